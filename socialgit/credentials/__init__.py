"""Credentials: the encrypted vault, signing in, refreshing without losing a token, checking.

- ``vault``: ``.socialgit/vault.json``, one AES-256-GCM entry per account;
- ``vault_fields``: what ``vault put`` accepts and ``vault list`` shows;
- ``vault_sync``: committing and pushing the vault under a lease, so no two runners spend
  one refresh token;
- ``refresh``: refreshing an account's credentials and saving the answer at once;
- ``oauth``: OAuth 2.0 with PKCE for the network modules to call;
- ``connect`` and ``loopback``: ``socialgit connect`` and its one-shot callback server;
- ``doctor``: ``socialgit doctor``.
"""
