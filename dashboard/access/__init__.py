"""Who may see what: users, tokens, roles, the viewer's scope, sessions and the audit log (issue 12)."""
