"""``kzru serve``: briefing packs on demand over HTTP (docs/service.md).

Its modules, each building on those before it: ``tokens`` says who may build what,
``admission`` bounds the queue, ``catalog`` lists the workspace's visits by id,
``metrics`` counts for Prometheus, ``answers`` is what an answer is (JSON errors
without server paths, files and zips, their OpenAPI descriptions), ``bounds`` the
limits on each request (body size, deadline, names from fixed sets, the loopback
host), ``core`` the state a service holds and a render within a request's deadline,
``page`` the web page, ``app`` the routes, ``server`` starts them on uvicorn over a
warm engine.
"""
