"""Alerts: rules that look at the store after a run and fire once per change worth hearing about.

``model`` holds the shared shapes (an alert, a rule, what a rule is given, a delivery channel);
``registry`` lists the rules; ``rules/`` holds one module per rule; ``state`` keeps what fired and
what was delivered in the store; ``channels/`` delivers (printed, JSON lines, Atom, webhook).
"""
