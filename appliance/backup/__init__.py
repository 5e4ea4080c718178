"""Backups, restore and key rotation (``appliance backup``, ``restore``, ``rotate-keys``).

- :mod:`.stream`: the encrypted file format (AES-256-GCM, STREAM construction) and backup keys;
- :mod:`.archive`: a consistent snapshot plus the key files, encrypted, with a manifest;
- :mod:`.jobs`: the nightly backup and how many are kept;
- :mod:`.restore`: verify, decrypt, re-apply what happened since, put in place;
- :mod:`.sealed` and :mod:`.rotation`: every encrypted column and keyed hash, re-sealed and
  re-hashed under new keys, crash-safe;
- :mod:`.service`: their writes, each in one transaction with its audit entry;
- :mod:`.store`: the SQL of all of these.
"""
