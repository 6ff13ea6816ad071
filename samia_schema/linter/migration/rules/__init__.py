"""Migration-safety rules: one module per rule, each exposing `RULE`; the module name is the rule id."""
