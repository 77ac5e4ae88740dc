"""The knowledge base: SQLite store, ingest pipeline, vector index upkeep, hybrid search."""

from kb.knowledge_base import KnowledgeBase
from kb.settings import Settings

__all__ = ["KnowledgeBase", "Settings"]
