"""Who a person is: page sessions, local accounts (Argon2id) and sign-in at the agency's OpenID Connect issuer.

Credentials are not appraisal records, so they live in their own tables beside the read models,
never in the domain log. Standing roles (hr, auditor) come from the account or the issuer's claim.
"""
