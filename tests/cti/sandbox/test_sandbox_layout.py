"""Where a sandbox keeps its run: each tree its own state, even beside another tree."""

from __future__ import annotations

from pathlib import Path

from cti.sandbox.layout import SandboxLayout


def test_two_trees_in_one_folder_keep_separate_run_state(tmp_path: Path) -> None:
    first = SandboxLayout(tmp_path / "asterisk-sid")
    second = SandboxLayout(tmp_path / "asterisk-copy")
    assert first.state_dir != second.state_dir
    assert first.state_file.parent == first.state_dir
    assert {first.secrets_file, first.output_log}.isdisjoint(
        {second.secrets_file, second.output_log}
    )


def test_the_run_state_is_outside_the_tree(tmp_path: Path) -> None:
    layout = SandboxLayout(tmp_path / "asterisk-sid")
    assert not layout.state_dir.is_relative_to(layout.root)
    assert layout.state_dir.parent == tmp_path
