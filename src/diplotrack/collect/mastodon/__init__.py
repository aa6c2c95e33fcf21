"""Mastodon REST API v1, any instance: account lookups and account timelines, anonymous by default.

Ids are local to the instance asked, so every id is stored qualified with it:
``<instance>:<local id>`` (see ``mapping`` for the caveat that brings).
"""
