"""Authorization: the casbin model and default policy, the enforcer, SQL scope filters (the hierarchy and authorization issue builds it)."""
