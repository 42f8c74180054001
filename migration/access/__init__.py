"""Remote access to an estate's hosts: SSH, and the estate's access files.

`files` finds an estate's access folder and reads it (`AccessFiles`); `write` holds the files'
formats, for whoever sets an estate up (the lab's `dcc lab up` writes through it); `keys` makes and
reads OpenSSH ed25519 key files; `ssh` is one pinned, time-bounded paramiko connection per host.
Product code reaches hosts only through this package and never learns where the lab keeps its runs.
"""
