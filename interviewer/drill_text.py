"""The words of "what to drill next", shared by `interviewer next` and the Start tab."""

from __future__ import annotations

import time

from interviewer.domain import PHASE_TITLES
from interviewer.drill_schedule import DrillPlan, Item
from interviewer.knowledge import KnowledgeBase

NO_HISTORY = (
    "No graded sessions yet, so there is nothing to recommend. Finish a drill or an interview "
    "(`interviewer drill`, or Start in the app) and this will say what to drill next."
)
ALL_DROPPED = (
    "Every criterion you have been graded on scored strong twice in a row. "
    "Try a case or a phase you have not done yet."
)


def when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(at))


def headline(item: Item, knowledge: KnowledgeBase) -> str:
    """ "Visual search · Deployment and serving" """
    return f"{knowledge.case(item.case).facts.title} · {PHASE_TITLES[item.phase]}"


def item_line(item: Item, now: float) -> str:
    due = "" if item.due_at is None or item.due_at <= now else f" (due {when(item.due_at)})"
    return f"{item.case} · {item.reason()}{due}"


def recommendation(plan: DrillPlan, knowledge: KnowledgeBase, now: float) -> tuple[str, str]:
    """(what to drill, why) in one line each; the message for no history or nothing left."""
    item = plan.pick
    if plan.empty:
        return "", NO_HISTORY
    if item is None:
        return "", ALL_DROPPED
    why = item.reason()
    if item.due_at is not None and item.due_at > now:
        why += f". Nothing is due yet; this one is next, on {when(item.due_at)}"
    return headline(item, knowledge), why


def plan_lines(plan: DrillPlan, knowledge: KnowledgeBase, now: float, limit: int = 5) -> list[str]:
    """What `interviewer next` prints: the pick, then one line per other drill (its weakest
    criterion), since a drill of a phase works on all of that phase's criteria at once."""
    what, why = recommendation(plan, knowledge, now)
    if not what:
        return [why]
    item = plan.pick
    assert item is not None
    lines = [
        f"Recommended next: {what} (drill)",
        f"  why: {why}",
        f"  start it: interviewer drill --case {item.case} --phase {item.phase}",
    ]
    same = [i.name.lower() for i in (*plan.due, *plan.later) if _drill(i) == _drill(item)]
    if len(same) > 1:
        lines.append(f"  also in this drill: {', '.join(same[1:])}")
    others = _first_per_drill([i for i in plan.due if _drill(i) != _drill(item)])
    if others:
        lines += ["", "Also due, weakest first:"] + [
            f"  {item_line(i, now)}" for i in others[:limit]
        ]
    listed = {_drill(i) for i in plan.due} | {_drill(item)}
    later = _first_per_drill([i for i in plan.later if _drill(i) not in listed])
    if later and plan.due:
        lines += ["", "Later:"] + [f"  {item_line(i, now)}" for i in later[:limit]]
    if plan.dropped:
        count = len(plan.dropped)
        noun = "criterion" if count == 1 else "criteria"
        lines += ["", f"Dropped out (strong twice in a row): {count} {noun}."]
    return lines


def _drill(item: Item) -> tuple[str, str]:
    return (item.case, item.phase)


def _first_per_drill(items: list[Item]) -> list[Item]:
    seen: set[tuple[str, str]] = set()
    firsts: list[Item] = []
    for item in items:
        if _drill(item) not in seen:
            seen.add(_drill(item))
            firsts.append(item)
    return firsts
