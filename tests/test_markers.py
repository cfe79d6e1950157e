"""The markers on single cells: what the student gets, and what the tool refuses."""

from __future__ import annotations

from textwrap import dedent

import pytest

from handout.code_cells import strip_code
from handout.markdown_cells import strip_markdown
from handout.markers import (
    EMPTY_BODY,
    MARKDOWN_PLACEHOLDER,
    PLACEHOLDER,
    MarkerError,
)


def code(text: str) -> str:
    return dedent(text).strip("\n")


def compiles(source: str) -> bool:
    try:
        compile(source, "<cell>", "exec")
    except SyntaxError:
        return False
    return True


def test_region_becomes_one_placeholder_at_the_opening_indent():
    """Does a solution region leave exactly one placeholder, indented like its marker?"""
    cell = code(
        """
        def f(x):
            y = 2
            # <COGINST>
            z = x * y
            return z
            # </COGINST>
        """
    )
    result = strip_code(cell)
    assert result.source == code(
        f"""
        def f(x):
            y = 2
            {PLACEHOLDER}
        """
    )
    assert result.removed == [
        "    # <COGINST>",
        "    z = x * y",
        "    return z",
        "    # </COGINST>",
    ]


def test_emptied_function_body_gets_an_ellipsis():
    """When a region was a function's whole body, does the cell still compile?"""
    cell = code(
        """
        def f(x):
            # <COGINST>
            return x + 1
            # </COGINST>

        print(f)
        """
    )
    result = strip_code(cell).source
    assert result == code(
        f"""
        def f(x):
            {PLACEHOLDER}
            {EMPTY_BODY}

        print(f)
        """
    )
    assert compiles(result)


def test_region_holding_a_whole_loop_needs_no_ellipsis():
    """A block removed whole is gone; only blocks left without a body get an ellipsis."""
    cell = code(
        """
        def f():
            \"\"\"Doc.\"\"\"
            # <COGINST>
            for i in range(3):
                print(i)
            # </COGINST>
        """
    )
    assert EMPTY_BODY not in strip_code(cell).source


@pytest.mark.parametrize("keyword", ["if x:", "for i in x:", "while x:", "with x:", "class C:"])
def test_every_emptied_block_kind_stays_valid(keyword):
    cell = f"{keyword}\n    # <COGINST>\n    pass_me = 1\n    # </COGINST>\nafter = 2"
    assert compiles(strip_code(cell).source)


def test_emptied_try_and_else_branches_stay_valid():
    cell = code(
        """
        try:
            a = 1  # <COGLINE>
        except ValueError:
            b = 2  # <COGLINE>
        else:
            c = 3  # <COGLINE>
        """
    )
    result = strip_code(cell).source
    assert compiles(result)
    assert "a = 1" not in result and "b = 2" not in result and "c = 3" not in result


def test_line_marker_replaces_its_statement_keeping_indentation():
    cell = "def acc(p, t):\n    '''Doc.'''\n    return (p == t).mean()  # <COGLINE>"
    assert strip_code(cell).source == f"def acc(p, t):\n    '''Doc.'''\n    {PLACEHOLDER}"


def test_line_marker_on_a_statement_over_several_lines_replaces_all_of_it():
    cell = code(
        """
        model = Model(
            f1=20,
            f2=10,
        )  # <COGLINE>
        print(model)
        """
    )
    assert strip_code(cell).source == f"{PLACEHOLDER}\nprint(model)"


def test_line_marker_alone_on_its_line_is_a_placeholder():
    assert strip_code("# <COGLINE>").source == PLACEHOLDER


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("x = 1  # <COGSTUB> a number", "x = ...  # a number"),
        ("self.w = init(3)  # <COGSTUB>", "self.w = ..."),
        ("grid[0, 1] = 5  # <COGSTUB> fill the corner", "grid[0, 1] = ...  # fill the corner"),
        ("a, b = b, a  # <COGSTUB> swap", "a, b = ...  # swap"),
        ("n: int = len(xs)  # <COGSTUB> count", "n: int = ...  # count"),
        ("    y = f(\n        1,\n    )  # <COGSTUB> call f", "    y = ...  # call f"),
    ],
)
def test_stub_keeps_the_target_and_the_hint(line, expected):
    cell = line if not line.startswith(" ") else "if True:\n" + line
    result = strip_code(cell).source
    assert result.endswith(expected)
    assert compiles(result)


def test_stub_on_something_other_than_an_assignment_is_refused():
    with pytest.raises(MarkerError, match="only marks an assignment") as error:
        strip_code("x = 1\nprint(x)  # <COGSTUB> hint")
    assert error.value.line == 2


def test_markers_inside_string_literals_are_content():
    cell = 's = "# <COGINST>"\nt = """\n# </COGINST>\n"""'
    assert strip_code(cell).source == cell


def test_magics_are_set_aside_not_stripped():
    cell = "%matplotlib inline\n!ls\nfiles = !ls\n# <COGINST>\nx = 1\n# </COGINST>"
    assert strip_code(cell).source == f"%matplotlib inline\n!ls\nfiles = !ls\n{PLACEHOLDER}"


@pytest.mark.parametrize(
    ("cell", "line", "message"),
    [
        ("a = 1\n# <COGINST>\nb = 2", 2, "never closed"),
        ("# <COGINST>\n# <COGINST>\nb = 2\n# </COGINST>", 2, "inside the region opened at line 1"),
        ("a = 1\n# </COGINST>", 2, "closes no open region"),
        ("# <COGINST>\nb = 2  # <COGLINE>\n# </COGINST>", 2, "inside the region"),
        ("x = 1  # <COGINST>", 1, "must stand alone"),
        ("# <coginst>\nx = 1\n# </coginst>", 1, "looks like a marker"),
        ("#<COGINST>\nx = 1\n#</COGINST>", 1, "looks like a marker"),
        ("# <COGINTS>\nx = 1", 1, "looks like a marker"),
        ("# < COGINST >\nx = 1", 1, "looks like a marker"),
        ("x = 1  # <COGNOTE>", 1, "belongs in markdown"),
        ("x = (1 +  # <COGLINE>\n     2)", 1, "no statement ends here"),
        ("def f(:\n    pass  # <COGLINE>", 1, "not valid Python"),
    ],
)
def test_malformed_code_markers_are_refused_with_their_line(cell, line, message):
    with pytest.raises(MarkerError, match=message) as error:
        strip_code(cell)
    assert error.value.line == line


def test_markdown_answer_becomes_solution_here():
    text = "What is 2 + 2?\n\n<COGINST>\n4, of course.\n</COGINST>\n\nNext."
    assert strip_markdown(text).source == f"What is 2 + 2?\n\n{MARKDOWN_PLACEHOLDER}\n\nNext."


def test_inline_markdown_answer_becomes_solution_here():
    text = "The shape is <COGINST>(60000, 1, 28, 28)</COGINST>."
    assert strip_markdown(text).source == f"The shape is {MARKDOWN_PLACEHOLDER}."


def test_instructor_note_disappears_without_trace():
    text = "Before.\n<COGNOTE>\nTell them about the exam.\n</COGNOTE>\nAfter."
    assert strip_markdown(text).source == "Before.\nAfter."


def test_markdown_tags_in_inline_code_are_content():
    text = "Write `<COGINST>` to open an answer and ``</COGINST>`` to close it.\n\n`# <COGLINE>`"
    assert strip_markdown(text).source == text


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a\n<COGINST>\nanswer", 2, "never closed"),
        ("a\n</COGINST>", 2, "closes no open"),
        ("<COGINST>\n<COGNOTE>x</COGNOTE>\n</COGINST>", 2, "inside the <COGINST>"),
        ("<COGINST>x</COGNOTE>", 1, "closes no open"),
        ("text <coginst>x</coginst>", 1, "not a markdown marker"),
        ("a\nb <COGLINE>", 2, "not a markdown marker"),
        ("# <COGINST>\nx\n# </COGINST>", 1, "code marker in a markdown cell"),
    ],
)
def test_malformed_markdown_markers_are_refused_with_their_line(text, line, message):
    with pytest.raises(MarkerError, match=message) as error:
        strip_markdown(text)
    assert error.value.line == line


@pytest.mark.parametrize("tag", ["<COGINST>", "</COGINST>"])
def test_code_marker_missing_its_hash_is_named(tag):
    cell = "x = 1\n" + ("<COGINST>\ny = 2\n# </COGINST>" if tag == "<COGINST>" else "y = 2\n" + tag)
    with pytest.raises(MarkerError, match=f"'{tag}' is a marker without its '# '") as error:
        strip_code(cell)
    assert error.value.line == cell.split("\n").index(tag) + 1


@pytest.mark.parametrize(
    "cell",
    [
        "!pip install secret_pkg  # <COGLINE>",
        "%timeit model(batch)  # <COGLINE>",
        "files = !ls secret  # <COGLINE>",
        "%%bash\necho secret  # <COGLINE>",
        "%%time\n%time f()  # <COGLINE>",
    ],
)
def test_marker_on_a_magic_or_shell_line_is_refused(cell):
    """A magic's comment cannot be told from its command: refuse rather than guess."""
    with pytest.raises(MarkerError, match="markers work in Python code only"):
        strip_code(cell)


def test_magic_looking_lines_inside_strings_do_not_hide_markers():
    cell = 'header = """\n%s"""\nanswer = "secret"  # <COGLINE>\nfooter = """\n!d"""'
    result = strip_code(cell).source
    assert "secret" not in result
    assert result == f'header = """\n%s"""\n{PLACEHOLDER}\nfooter = """\n!d"""'


@pytest.mark.parametrize(
    "cell",
    ["ok = (a\n      != b)", "np.mean?", "%%bash\necho hi", "%%time\nx = 1", "\n\n%time f()\n"],
)
def test_cells_with_magic_lookalikes_and_no_markers_are_left_alone(cell):
    assert strip_code(cell).source == cell


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('x = ("secret")  # <COGSTUB> hint', "x = ...  # hint"),
        ("(a, b) = (1, 2)  # <COGSTUB> unpack", "(a, b) = ...  # unpack"),
        ("a = b = (c)  # <COGSTUB>", "a = b = ..."),
        ("x: int = (\n    1\n)  # <COGSTUB> one", "x: int = ...  # one"),
    ],
)
def test_stub_keeps_targets_written_any_way(line, expected):
    assert strip_code(line).source == expected


def test_stub_over_a_backslash_continuation():
    assert strip_code('x = \\\n    "secret"  # <COGSTUB> hint').source == "x = ...  # hint"


def test_emptied_case_body_gets_an_ellipsis():
    cell = code(
        """
        match command:
            case "go":
                move()  # <COGLINE>
            case _:
                pass
        """
    )
    result = strip_code(cell).source
    assert compiles(result) and "move()" not in result


@pytest.mark.parametrize(
    "tag",
    [
        "# <CODINST>",
        "# <COGINS>",
        "# <COGINSTR>",
        "# </C0GINST>",
        # a name broken up, or written in letters or brackets of other scripts
        "# <COG INST>",
        "# <COG-INST>",
        "# <COG.INST>",
        "# <COG\u00a0INST>",
        "# <C O G I N S T>",
        "# <\u13df\u13be\u13c0\u13c6NST>",
        "# \u2039COGINST>",
        "# \u27e8COGINST\u27e9",
    ],
)
def test_misspelt_code_markers_are_refused(tag):
    with pytest.raises(MarkerError, match="looks like a marker"):
        strip_code(f"{tag}\nx = 1")


@pytest.mark.parametrize("line", ["y = secret  # <COG-LINE>", "x = 1  # <COG LINE>"])
def test_misspelt_line_markers_are_refused(line):
    with pytest.raises(MarkerError, match="looks like a marker"):
        strip_code(line)


@pytest.mark.parametrize(
    "text", ["a < b and c > d", "<details>", "<\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8>"]
)
def test_tags_and_words_far_from_a_marker_are_text(text):
    assert strip_markdown(text).source == text


def test_answer_caught_inside_inline_code_by_a_stray_backtick_is_refused():
    """CommonMark pairs this stray backtick with the next one: the answer would show."""
    text = "Press the ` key. <COGINST>secret</COGINST> then use `np.mean`."
    with pytest.raises(MarkerError, match="inside inline code is shown to students"):
        strip_markdown(text)


@pytest.mark.parametrize(
    "text",
    [
        "The model`s x.\n\n<COGINST>secret</COGINST>\n\nThen call `fit`.",
        "Q \\` x <COGINST>secret</COGINST> and `x`",
    ],
)
def test_answers_beside_stray_backticks_are_still_stripped(text):
    result = strip_markdown(text).source
    assert "secret" not in result and MARKDOWN_PLACEHOLDER in result


@pytest.mark.parametrize("fence", ["```py", "```", "~~~python", "````python"])
def test_code_markers_in_a_markdown_code_block_are_refused(fence):
    """Jupytext leaves such fences in the markdown; their solution must not ship."""
    closing = fence.rstrip("python").rstrip("py")
    text = f"Example:\n\n{fence}\n# <COGINST>\nsecret = 1\n# </COGINST>\n{closing}"
    with pytest.raises(MarkerError, match="code marker in a markdown cell") as error:
        strip_markdown(text)
    assert error.value.line == 4


def test_markdown_answer_inside_a_code_block_is_stripped():
    text = "````\n```\n````\n<COGINST>secret</COGINST>"
    assert strip_markdown(text).source == "````\n```\n````\n" + MARKDOWN_PLACEHOLDER


@pytest.mark.parametrize(
    "text",
    [
        "<coginst>x</coginst>",
        "<COGINTS>x</COGINTS>",
        "COGNOTE",
        "<COG INST>secret md</COG INST>",
        "<COG-NOTE>secret note</COG-NOTE>",
    ],
)
def test_misspelt_markdown_markers_are_refused(text):
    with pytest.raises(MarkerError, match="not a markdown marker"):
        strip_markdown(text)


@pytest.mark.parametrize(
    ("cell", "line", "message"),
    [
        ("%%time\n%%bash\n# <COGINST>\necho secret\n# </COGINST>", 3, "cell magic's body"),
        ("for i in range(3):\n    total = i  # <COGLINE>\n  print(total)", 3, "not valid Python"),
    ],
)
def test_cells_ipython_cannot_read_as_python_are_refused_by_line(cell, line, message):
    with pytest.raises(MarkerError, match=message) as error:
        strip_code(cell)
    assert error.value.line == line


@pytest.mark.parametrize(
    "cell",
    [
        "# <COGINST>\nmatch x:\n    case 1:\n        y = 'secret'\n# </COGINST>",
        "match x:\n    case 1:\n        # <COGINST>\n        y = 2\n        # </COGINST>\n"
        "    case _:\n        pass",
    ],
)
def test_regions_around_or_inside_match_statements_leave_valid_python(cell):
    result = strip_code(cell).source
    assert compiles(result) and "y =" not in result
