"""The kernel's contracts: each operation's postconditions beside it, one function per invariant
(``plan``, ``check``, ``course``), written with the predicates of ``predicates``, which restate
each law from the request. The operations call them under ``if __debug__:``, so production
(``python -O``) runs none of this; every test, property, enumerated case and CrossHair run does.
Messages start with the invariant ID they state."""
