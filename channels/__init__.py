"""Citizen-facing channels; each is listed here once and adds its own routes."""

from channels import facebook, sms, telegram, web, whatsapp

REGISTRY = (web, telegram, facebook, whatsapp, sms)
