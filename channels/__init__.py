"""Citizen-facing channels; each describes itself in its package's `CHANNEL` and is listed here once."""

from channels import facebook, instagram, sms, telegram, web, whatsapp

REGISTRY = (web.CHANNEL, telegram.CHANNEL, facebook.CHANNEL, instagram.CHANNEL, whatsapp.CHANNEL, sms.CHANNEL)
