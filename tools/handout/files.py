"""Finding instructor sources, naming their outputs, and writing files atomically."""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .source import is_jupytext_markdown

logger = logging.getLogger(__name__)

STUDENT_SUFFIX = "_STUDENT"


@dataclass(frozen=True)
class Lesson:
    """An instructor source and its place in the output tree.

    Attributes
    ----------
    path : pathlib.Path
        The ``.md`` source.
    relative : pathlib.Path
        Where it sits below the folder it was found in (just its name for a lone file); the
        outputs mirror this, so lessons with the same name in two folders never collide.
    """

    path: Path
    relative: Path

    def handout_path(self, out_dir: Path) -> Path:
        """``out_dir/<folders>/<stem>_STUDENT.ipynb``."""
        return out_dir / self.relative.with_name(self.relative.stem + STUDENT_SUFFIX + ".ipynb")

    def solution_notebook_path(self, out_dir: Path) -> Path:
        """``out_dir/<folders>/<stem>_SOLUTION.ipynb``."""
        return out_dir / self.relative.with_name(self.relative.stem + "_SOLUTION.ipynb")

    def solution_path(self, out_dir: Path) -> Path:
        """``out_dir/<folders>/<stem>.ipynb``."""
        return out_dir / self.relative.with_suffix(".ipynb")


def find_lessons(paths: list[Path]) -> list[Lesson]:
    """Expand files and folders into the instructor sources they name.

    A file is taken as named (and fails later if it is not Jupytext markdown). A folder is
    searched for ``.md`` files that open with a Jupytext header; hidden folders are skipped,
    and so, with a log line, is markdown that is not a notebook (a README, say). A file met
    twice counts once, where it was met first.

    Raises
    ------
    FileNotFoundError
        If a path does not exist.
    """
    lessons = []
    for path in paths:
        if path.is_file():
            lessons.append(Lesson(path, Path(path.name)))
        elif path.is_dir():
            for found in sorted(path.rglob("*.md")):
                relative = found.relative_to(path)
                if any(part.startswith(".") for part in relative.parts) or not found.is_file():
                    continue  # hidden, or a folder, pipe or broken link that happens to end in .md
                try:
                    head = found.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    head = (
                        "---\njupyter:\n---\n"  # unreadable: keep it, so that reading fails loudly
                    )
                if not is_jupytext_markdown(head):
                    logger.info("skipping %s: not a Jupytext notebook", found)
                    continue
                lessons.append(Lesson(found, relative))
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    seen = set()  # a file named twice (alone, and in its folder) is one lesson
    return [
        lesson
        for lesson in lessons
        if not (lesson.path.resolve() in seen or seen.add(lesson.path.resolve()))
    ]


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, then rename.

    A reader sees the old file or the new one, never half of one; on failure the temporary
    file is removed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def write_files(files: dict[Path, str]) -> list[str]:
    """Write each file atomically; return an error message for each that could not be."""
    errors = []
    for path, text in files.items():
        try:
            write_atomically(path, text)
        except OSError as error:
            errors.append(f"cannot write {path}: {error.strerror or error}")
    return errors
