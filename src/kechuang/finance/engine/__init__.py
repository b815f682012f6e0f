"""Pure rule engines of tech finance: no Django import, plain values in and out, tested exhaustively.

- `flow`: explicit state machines (a TRANSITIONS table per workflow).
- `money`: fen rounding and the tiered voucher subsidy.
- `ledger`: balances and the reconciliation identities derived from ledger movements.
- `split`: the risk-pool loss split by shares, summing exactly to the loss.
- `interest`: loan-interest subsidy lines (principal × rate × days / basis × ratio) and the per-enterprise cap.
- `eligibility`: voucher holder and risk-pool borrower eligibility with a reason per failed condition.
"""
