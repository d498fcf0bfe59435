"""The ticket record: a slotted object on the engine's own event heap (never a Mesa agent).

Intrinsic properties are drawn once at creation from the ``tickets`` stream (identical across
designs for one seed); the rest is the ticket's history, written as it is worked.
"""

from __future__ import annotations


class Ticket:
    __slots__ = (
        # intrinsic
        "id", "customer", "cls", "domain", "complexity", "on_pattern", "needs_eng",
        "specialist", "work_h", "eng_work_h", "created_h", "group",
        # history (contract columns)
        "first_start_h", "resolved_h", "wait_h", "handoffs", "explanations", "contacts",
        "reopened", "stalled", "pingpong", "eng_return", "max_level", "resolver", "named_request", "honoured",
        # working state
        "desk", "enq_h", "queue_wh", "visits", "context", "context_lost", "needs_explain", "asked_info",
        "cost_h", "touched", "handed_from", "action", "target", "fixed", "eng_checked",
        "pushed_back", "script_failed", "script_closed", "escalator", "handoff_h",
    )

    def __init__(self, tid: int, customer, cls: int, domain: int, complexity: float,
                 on_pattern: bool, needs_eng: bool, specialist: bool, work_h: float,
                 eng_work_h: float, created_h: float, group: int = -1) -> None:
        self.id = tid
        self.customer = customer
        self.cls = cls
        self.domain = domain
        self.complexity = complexity
        self.on_pattern = on_pattern
        self.needs_eng = needs_eng
        self.specialist = specialist
        self.work_h = work_h
        self.eng_work_h = eng_work_h
        self.created_h = created_h
        self.group = group  # root-cause group (model/customer_graph.py); -1: none
        self.first_start_h = -1.0
        self.resolved_h = -1.0
        self.wait_h = 0.0
        self.handoffs = 0
        self.explanations = 1  # the customer explains the problem once when raising it
        self.contacts = 1
        self.reopened = 0
        self.stalled = False
        self.pingpong = False
        self.eng_return = False
        self.max_level = 1
        self.resolver = None
        self.named_request = False
        self.honoured = False
        self.desk = None
        self.enq_h = created_h
        self.queue_wh = 0.0  # working hours spent queued, summed over every queue visited
        self.visits = 0
        self.context = 1.0
        self.context_lost = False
        self.needs_explain = False
        self.asked_info = False
        self.cost_h = 0.0
        self.touched: list[int] = []
        self.handed_from: list[str] = []
        self.action = 0
        self.target = None
        self.fixed = False
        self.eng_checked = False
        self.pushed_back = False
        self.script_failed = False
        self.script_closed = False
        self.escalator = None
        self.handoff_h = -1.0  # when it was last handed off, until its next start (-1: not)
