"""Directory (LDAP / Active Directory): sign-in, group roles and the `directory sync` command."""
