"""What comes from outside the toolkit, taken in and shown safely.

`files` reads a file the user named into text or one clear error (bounded, any kind of path);
`text` escapes control characters in text from inventories, hosts and plan files; `terminal` is the
one console commands print through, which shows such text as written, never as markup.
"""
