"""dcc: the data-center consolidation toolkit.

Inventory, discovery, assessment, wave planning and migration of a government estate
into one national shared cloud. The CLI lives in `migration.cli`.
"""

__version__ = "0.1.0"
