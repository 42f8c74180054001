"""The dcc policy pack: `pulumi preview --policy-pack stacks/policy --policy-pack-config out/policy-config.json`.

Constructing `PolicyPack` starts the analyzer server and blocks, so all logic lives in
`pack.py` and `policies.py`, which the tests and `dcc validate` import directly.
"""

from pulumi_policy import PolicyPack

try:
    from stacks.policy.pack import build_policies
except ImportError:
    from pack import build_policies  # type: ignore[no-redef,import-not-found]

PolicyPack(name="dcc-guardrails", policies=build_policies(),
           description="Mandatory guardrails for the national shared cloud: tenants isolated, apps from the inventory only.")
