"""Live collection from platform APIs: incremental, resumable, rate-limit and budget aware.

One package per platform (``x``, ``bluesky``, ``mastodon``), each the same shape: ``spec`` (the
platform's ``PlatformSpec``, listed in ``diplotrack.platforms``), ``client`` (requests, pagination),
``mapping`` (pure: raw objects in, records out; ``profiles`` and the like when it grows) and
``errors`` (how the platform's errors read). The engine (``engine``) drives any of them: account
lookup and status changes, timeline sweeps whose cursor commits with the page it came from,
deleted-post detection, and the ``collection_runs`` record.
"""
