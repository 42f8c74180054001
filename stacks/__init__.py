"""The government shared-cloud stacks: pure builders, Pulumi components and the policy pack."""
