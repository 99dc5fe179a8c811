"""``kzru serve``: briefing packs on demand over HTTP (docs/service.md).

``app`` is the API and the web page, ``server`` starts them on uvicorn over a warm
engine, ``tokens`` says who may build what, ``admission`` bounds the queue,
``catalog`` lists the workspace's visits by id, ``metrics`` counts for Prometheus.
"""
