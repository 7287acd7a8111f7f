"""Pure rules with no database: reduction accounting formulas, validity, and (per city or province) the
rule sets. Everything here takes plain values (Decimal, date) and returns plain values, so it can be
tested exhaustively and reused by services, forms and reports alike."""
