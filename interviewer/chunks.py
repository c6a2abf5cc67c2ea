"""Splits the knowledge base along its structure into retrievable chunks (no vector store here)."""

from __future__ import annotations

import hashlib

from interviewer.knowledge import KnowledgeBase
from interviewer.ports import Chunk


def build_chunks(knowledge: KnowledgeBase) -> list[Chunk]:
    chunks: list[Chunk] = []
    for case_id, case in knowledge.cases.items():
        facts = case.facts
        for fact in facts.facts:
            chunks.append(Chunk(
                id=f"{case_id}/facts/{fact.id}", text=f"{', '.join(fact.keywords)}: {fact.answer}",
                case=case_id, phase="facts", kind="fact", source=facts.source,
                heading=f"facts: {fact.id}",
            ))  # fmt: skip
        for phase, note in case.notes.items():
            base = dict(case=str(case_id), phase=str(phase), source=note.source)
            chunks.append(Chunk(id=f"{case_id}/{phase}/opening", text=note.opening, kind="opening",
                                heading="Opening question", **base))  # fmt: skip
            for i, question in enumerate(note.follow_ups, 1):
                chunks.append(Chunk(id=f"{case_id}/{phase}/follow_up/{i}", text=question,
                                    kind="follow_up", heading=f"Follow-up {i}", **base))  # fmt: skip
            for point in note.key_points:
                text = " ".join([point.statement, *point.phrasings])
                chunks.append(Chunk(id=f"{case_id}/{phase}/key_point/{point.id}", text=text,
                                    kind="key_point", key_point_id=point.id,
                                    heading=f"Key point: {point.id}", **base))  # fmt: skip
            for i, rule in enumerate(note.rules, 1):
                chunks.append(Chunk(id=f"{case_id}/{phase}/rule/{i}", text=rule.sentence(),
                                    kind="rule", heading=f"Decision rule {i}", **base))  # fmt: skip
            for i, mistake in enumerate(note.mistakes, 1):
                chunks.append(Chunk(id=f"{case_id}/{phase}/mistake/{i}", text=mistake,
                                    kind="mistake", heading=f"Common mistake {i}", **base))  # fmt: skip
            paragraphs = [p.strip() for p in note.model_answer.split("\n\n") if p.strip()]
            for i, paragraph in enumerate(paragraphs, 1):
                chunks.append(Chunk(id=f"{case_id}/{phase}/model_answer/{i}", text=paragraph,
                                    kind="model_answer", heading=f"Model answer, paragraph {i}",
                                    **base))  # fmt: skip
    return chunks


def content_hash(chunks: list[Chunk]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk.model_dump_json().encode())
    return digest.hexdigest()[:16]
