"""Who is calling and what they may do: tokens and their keys, the access table."""
