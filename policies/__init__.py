"""Authorization: casbin model and default policy, the enforcer, SQL scope filters.

Built by the hierarchy, identity and authorization issue.
"""
