"""What people read: the look of every sheet xlplan writes, each result rendered as a sheet
and as text for a terminal, and the exports. Nothing here decides anything: it renders
results the domain modules computed."""
