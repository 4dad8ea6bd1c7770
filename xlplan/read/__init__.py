"""Reading a plan from what people write it in: the safety checks on a file, the readers
(xlsx, Word, delimited text), fill colours, the header row, and rows into actions."""
