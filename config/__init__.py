"""Operators' configuration: the YAML files, their schema and the loader that checks them whole."""
