"""Pure builders: typed specs in, plain Kubernetes objects (dicts) out. No Pulumi here.

The stack program wraps them in ComponentResources; `dcc render` writes them as YAML.
"""
