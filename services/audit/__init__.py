"""The audit log as its readers (county admins, auditors) see it."""
