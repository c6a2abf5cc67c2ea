"""Splits the knowledge base along its structure into retrievable chunks (no vector store here)."""

from __future__ import annotations

import hashlib

from interviewer.knowledge import KnowledgeBase, PhaseNote
from interviewer.ports import Chunk


def _note_chunks(note: PhaseNote) -> list[Chunk]:
    prefix = f"{note.case}/{note.phase}"

    def chunk(suffix: str, text: str, kind: str, heading: str, key_point_id: str = "") -> Chunk:
        return Chunk(
            id=f"{prefix}/{suffix}",
            text=text,
            case=note.case,
            phase=note.phase,
            kind=kind,
            key_point_id=key_point_id,
            source=note.source,
            heading=heading,
        )

    out = [chunk("opening", note.opening, "opening", "Opening question")]
    out += [
        chunk(f"follow_up/{i}", q, "follow_up", f"Follow-up {i}")
        for i, q in enumerate(note.follow_ups, 1)
    ]
    out += [
        chunk(
            f"key_point/{p.id}",
            " ".join([p.statement, *p.phrasings]),
            "key_point",
            f"Key point: {p.id}",
            p.id,
        )
        for p in note.key_points
    ]
    out += [
        chunk(f"rule/{i}", r.sentence(), "rule", f"Decision rule {i}")
        for i, r in enumerate(note.rules, 1)
    ]
    out += [
        chunk(f"mistake/{i}", m, "mistake", f"Common mistake {i}")
        for i, m in enumerate(note.mistakes, 1)
    ]
    paragraphs = [p.strip() for p in note.model_answer.split("\n\n") if p.strip()]
    out += [
        chunk(f"model_answer/{i}", p, "model_answer", f"Model answer, paragraph {i}")
        for i, p in enumerate(paragraphs, 1)
    ]
    return out


def build_chunks(knowledge: KnowledgeBase) -> list[Chunk]:
    chunks: list[Chunk] = []
    for case_id, case in knowledge.cases.items():
        facts = case.facts
        chunks += [
            Chunk(
                id=f"{case_id}/facts/{f.id}",
                text=f"{', '.join(f.keywords)}: {f.answer}",
                case=case_id,
                phase="facts",
                kind="fact",
                source=facts.source,
                heading=f"facts: {f.id}",
            )
            for f in facts.facts
        ]
        for note in case.notes.values():
            chunks += _note_chunks(note)
    return chunks


def content_hash(chunks: list[Chunk]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk.model_dump_json().encode())
    return digest.hexdigest()[:16]
