"""The application: the `connect` command, which puts the runtime (connect/) and the REST API (rest/) together.

It is the one package allowed to import both; connect/ never imports rest/.
"""
