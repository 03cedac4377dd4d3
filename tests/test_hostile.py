"""Hostile and careless scenario and experiment files: every one is refused with one line per
problem, quickly and in little memory, never with a traceback."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim.scenario as scenario_module
from sim.cli import main
from sim.config import ScenarioError
from sim.config.files import MOST_DEPTH, MOST_EXTENDS, parse
from sim.experiment import load_experiment
from sim.scenario import GB, check_memory, load_scenario, memory_needed

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "scenarios" / "small.yaml"


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def refusal(path: Path, overrides: tuple[str, ...] = ()) -> list[str]:
    """The messages of loading `path`, checked to be single lines."""
    with pytest.raises(ScenarioError) as err:
        load_scenario(path, overrides)
    messages = err.value.messages
    assert messages and all("\n" not in m and len(m) < 400 for m in messages), messages
    return messages


def timed_refusal(path: Path, seconds: float = 2.0) -> list[str]:
    start = time.perf_counter()
    messages = refusal(path)
    assert time.perf_counter() - start < seconds
    return messages


# --- 1. non-finite numbers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "shown"),
    [
        ("market: {demand: .nan}", "market.demand", "nan"),
        ("finance: {hurdle: .inf}", "finance.hurdle", "inf"),
        ("entry: {rate: -.inf}", "entry.rate", "-inf"),
        ("population: {startup: {burn: [0.1, .inf]}}", "population.startup.burn[1]", "inf"),
        ("knowledge: {radical_prob: {startup: .nan}}", "knowledge.radical_prob.startup", "nan"),
    ],
)
def test_non_finite_numbers_are_refused(tmp_path, text, field, shown):
    [line] = refusal(write(tmp_path / "s.yaml", f"name: x\n{text}\n"))
    assert line.startswith(f"{tmp_path / 's.yaml'}: {field}: got {shown}; must be a finite number")


def test_non_finite_numbers_in_an_experiment_are_refused(tmp_path):
    text = f"name: e\nbaseline: {SMALL}\nparameters:\n  entry.rate: {{low: .nan, high: 2.0}}\n"
    with pytest.raises(ScenarioError) as err:
        load_experiment(write(tmp_path / "e.yaml", text))
    assert err.value.messages == [
        f"{tmp_path / 'e.yaml'}: parameters.entry.rate.low: got nan; must be a finite number"
    ]


# --- 2. booleans are not numbers -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "want"),
    [
        ("steps: true", "steps", "got true; must be a whole number"),
        ("entry: {rate: false}", "entry.rate", "got false; must be a number"),
        ("market: {demand: true}", "market.demand", "got true; must be a number"),
        ("knowledge: {ih_size: [true, 3]}", "knowledge.ih_size[0]", "got true; must be a whole"),
        ("governance: {regulated_fields: [0, true]}", "governance.regulated_fields[1]", "got true"),
        ("events: [{at: 2, set: {entry.rate: true}}]", "events[0].set.entry.rate", "got true"),
    ],
)
def test_booleans_are_not_numbers(tmp_path, text, field, want):
    [line] = refusal(write(tmp_path / "s.yaml", f"name: x\n{text}\n"))
    assert line.startswith(f"{tmp_path / 's.yaml'}: {field}: {want}")


def test_whole_numbers_still_fill_number_fields(tmp_path):
    scenario = load_scenario(write(tmp_path / "s.yaml", "name: x\nentry: {rate: 3}\n"))
    assert scenario.entry.rate == 3.0 and scenario.governance.sandbox is False


# --- 3. memory ------------------------------------------------------------------------------

BIGGEST = (
    "fields=1024",
    "population.startup.count=1000000",
    "population.corporate.count=1000000",
    "population.university.count=100000",
    "population.investor.count=100000",
    "population.regulator.count=100",
)


def test_a_run_that_cannot_fit_is_refused_before_it_starts(capsys):
    status = main(["run", str(SMALL), "--out", os.devnull, *(f"--set={s}" for s in BIGGEST)])
    [line] = capsys.readouterr().err.splitlines()
    assert status == 2
    assert line.startswith(f"{SMALL}: needs about ") and "--max-memory GB raises it" in line
    assert "of this machine's memory" in line


def test_max_memory_sets_the_limit():
    small = load_scenario(SMALL)
    check_memory({"s": small}, max_memory=1.0)
    with pytest.raises(ScenarioError) as err:
        check_memory({"s": small}, max_memory=0.01, at_once=2)
    [line] = err.value.messages
    assert "a run, 2 at once" in line and "(--max-memory)" in line


def test_a_sweep_is_checked_with_its_parameters_at_their_largest(tmp_path, capsys):
    text = f"name: e\nbaseline: {SMALL}\nparameters:\n  fields: [8, 1024]\n"
    text += "  population.startup.count: [10, 1000000]\n"
    status = main(["sweep", str(write(tmp_path / "e.yaml", text)), "--out", str(tmp_path / "o")])
    assert status == 2 and "needs about" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_the_estimate_is_within_a_factor_of_two_of_a_measured_run():
    """The run's own memory: the process's peak resident size (VmHWM) after it, less that
    before it. Not ru_maxrss: Linux carries it over from the parent (pytest) through exec."""
    sets = ["fields=256", "population.startup.count=4000", "steps=6"]
    code = (
        "import json, re\n"
        "from pathlib import Path\n"
        "from sim.scenario import load_scenario\n"
        "from sim.model.runner import run_model\n"
        f"scenario = load_scenario({str(SMALL)!r}, {sets!r})\n"
        "status = lambda: Path('/proc/self/status').read_text()\n"
        "peak = lambda: int(re.search(r'VmHWM:\\s+(\\d+) kB', status())[1]) * 1024\n"
        "before = peak()\n"
        "run_model(scenario)\n"
        "print(json.dumps(peak() - before))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    measured = json.loads(done.stdout)
    estimate = memory_needed(load_scenario(SMALL, sets)) - scenario_module._BASE
    assert measured / 2 < estimate < measured * 2, (estimate / GB, measured / GB)


# --- 4. sampler parameters -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("entry: {rate: 1.0e+308}", "entry.rate"),  # numpy: lam value too large
        ("knowledge: {value_sigma: 1.0e+200}", "knowledge.value_sigma"),  # sigma**2 overflows
        ("finance: {signal_noise: 1.0e+300}", "finance.signal_noise"),
        ("population: {startup: {strong_fields: [1, 100000000000000000000]}}", "strong_fields"),
        ("population: {investor: {fund_life: 10000000000}}", "fund_life"),  # an int32 column
    ],
)
def test_sampler_parameters_are_bounded(tmp_path, text, field):
    [line] = refusal(write(tmp_path / "s.yaml", f"name: x\n{text}\n"))
    assert field in line and "must be <=" in line


# --- 5. recursion ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "name: x\ndescription: " + "[" * 5000 + "]" * 5000 + "\n",
        "name: x\n" + "".join("  " * i + f"k{i}:\n" for i in range(300)) + "  " * 300 + "v: 1\n",
    ],
)
def test_deep_nesting_is_refused(tmp_path, text):
    [line] = timed_refusal(write(tmp_path / "s.yaml", text))
    assert f"nested more than {MOST_DEPTH} levels deep" in line


def test_a_long_extends_chain_is_refused(tmp_path):
    for i in range(1000):
        parent = f"extends: c{i + 1}.yaml\n" if i < 999 else ""
        write(tmp_path / f"c{i}.yaml", f"{parent}name: c{i}\n")
    [line] = timed_refusal(tmp_path / "c0.yaml")
    assert line.startswith(f"{tmp_path / 'c0.yaml'}: extends: a chain of more than {MOST_EXTENDS}")


# --- 6. slow refusals ------------------------------------------------------------------------

BOMB = "".join(
    f"{a}: &{a} [{', '.join([f'*{b}'] * 9)}]\n" for b, a in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_an_alias_bomb_is_refused_quickly(tmp_path):
    text = f"a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n{BOMB}name: *i\n"
    [line] = timed_refusal(write(tmp_path / "s.yaml", text))
    assert "too large" in line and "aliases expanded" in line


def test_a_value_inside_itself_is_refused(tmp_path):
    [line] = timed_refusal(write(tmp_path / "s.yaml", "name: &a [1, *a]\n"))
    assert "alias *a is inside its own value" in line


def test_forty_thousand_unknown_keys_are_refused_quickly(tmp_path):
    text = "name: x\n" + "".join(f"k{i}: {i}\n" for i in range(40_000))
    [line] = timed_refusal(write(tmp_path / "s.yaml", text))
    assert "too large: more than 50,000 values" in line


def test_many_keys_are_checked_for_duplicates_in_linear_time():
    def seconds(keys: int) -> float:
        """The least CPU time of two parses (a busy machine counts little; no garbage
        collection meanwhile, whose passes grow with the objects alive)."""
        text = "".join(f"k{i}: {i}\n" for i in range(keys))
        times = []
        for _ in range(2):
            gc.collect()
            gc.disable()
            try:
                start = time.process_time()
                assert len(parse(text)) == keys
                times.append(time.process_time() - start)
            finally:
                gc.enable()
        return min(times)

    # four times the keys: about five times the time (measured), sixteen if quadratic (as a
    # list of seen keys was: ~10 s for 24,000 keys)
    assert seconds(24_000) < 10 * seconds(6_000)


def test_many_problems_are_counted_on_one_line(tmp_path):
    text = "name: x\n" + "".join(f"k{i}: {i}\n" for i in range(10_000))
    messages = timed_refusal(write(tmp_path / "s.yaml", text), seconds=4.0)
    assert len(messages) == 51 and messages[-1] == "... and 9950 more problems"


@pytest.mark.parametrize(
    "text",
    ['seed: "' + "y" * 100_000 + '"', "z" * 1000 + ": 1", "trust: {preset: " + "w" * 5000 + "}"],
)
def test_long_values_are_cut_short(tmp_path, text):
    [line] = refusal(write(tmp_path / "s.yaml", f"name: x\n{text}\n"))
    assert "..." in line and len(line) < 400


def test_a_huge_file_is_refused_unread(tmp_path):
    path = write(tmp_path / "s.yaml", "name: x\ndescription: " + "w" * 2_000_000 + "\n")
    [line] = timed_refusal(path)
    assert line == f"{path}: too large: more than 1 MB; a scenario file has a few kB"


def test_the_refusal_names_the_kind_of_file_in_words():
    from sim.config import ScenarioError
    from sim.config.files import read_mapping

    with pytest.raises(ScenarioError) as refused:
        read_mapping("/dev/zero", "experiment")
    assert refused.value.messages == [
        "/dev/zero: too large: more than 1 MB; an experiment file has a few kB"
    ]


# --- 7. one line for a bad parent ------------------------------------------------------------


@pytest.mark.parametrize(
    ("parent", "why"),
    [(b"name: \xff\xfe\n", "not UTF-8 text"), (b"name: a\x00b\n", "line 1: character #x0000")],
)
def test_a_bad_parent_gives_one_line_naming_it(tmp_path, capsys, parent, why):
    write(tmp_path / "parent.yaml", parent)
    child = write(tmp_path / "child.yaml", "extends: parent.yaml\nname: c\n")
    assert main(["validate", str(child)]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"{tmp_path / 'parent.yaml'}: {why}")


# --- 8. symbolic links -----------------------------------------------------------------------


def test_extends_is_relative_to_the_real_file(tmp_path):
    write(tmp_path / "real" / "base.yaml", "name: base\nsteps: 7\n")
    write(tmp_path / "real" / "child.yaml", "extends: base.yaml\nname: child\n")
    link = tmp_path / "elsewhere" / "deeper" / "child.yaml"
    link.parent.mkdir(parents=True)
    link.symlink_to(tmp_path / "real" / "child.yaml")
    scenario = load_scenario(link)
    assert (scenario.name, scenario.steps) == ("child", 7)


# --- 9. random documents ---------------------------------------------------------------------

PATHS = [
    "name", "seed", "steps", "fields", "extends", "record", "events", "market.demand",
    "entry.rate", "population.startup.count", "population.startup.burn", "finance.hurdle",
    "knowledge.ih_size", "trust.preset", "governance.regulated_fields", "calls.size", "ip",
]  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=300),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=30,
)
DOCUMENTS = st.dictionaries(st.sampled_from(PATHS) | st.text(max_size=10), VALUES, max_size=8)
RANDOM = settings(
    max_examples=40, deadline=5000, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def nested(flat: dict) -> dict:
    """Dotted keys as nested mappings (some stay dotted, for the loader to refuse)."""
    out: dict = {}
    for key, value in flat.items():
        *parents, last = key.split(".") if key in PATHS else [key]
        node = out
        for part in parents:
            node = node.setdefault(part, {}) if isinstance(node.get(part, {}), dict) else {}
        node[last] = value
    return out


def one_line_each(err: ScenarioError) -> None:
    assert err.messages and all(m and "\n" not in m and len(m) < 2000 for m in err.messages)


@RANDOM
@given(document=DOCUMENTS)
def test_random_scenarios_load_or_give_one_line_problems(tmp_path, document):
    path = write(tmp_path / "random.yaml", yaml.safe_dump(nested(document)))
    try:
        load_scenario(path)
    except ScenarioError as err:
        one_line_each(err)


@RANDOM
@given(text=st.text(max_size=400) | st.binary(max_size=200))
def test_random_text_loads_or_gives_one_line_problems(tmp_path, text):
    path = write(tmp_path / "random.yaml", text)
    try:
        load_scenario(path)
    except ScenarioError as err:
        one_line_each(err)


@RANDOM
@given(parameters=st.dictionaries(st.sampled_from(PATHS), VALUES, max_size=3), extra=DOCUMENTS)
def test_random_experiments_load_or_give_one_line_problems(tmp_path, parameters, extra):
    document = {**extra, "name": "e", "baseline": str(SMALL), "parameters": parameters}
    path = write(tmp_path / "random.yaml", yaml.safe_dump(document))
    try:
        load_experiment(path)
    except ScenarioError as err:
        one_line_each(err)


@RANDOM
@given(document=DOCUMENTS)
def test_validate_exits_0_or_2_with_one_line_problems(tmp_path, capsys, document):
    path = write(tmp_path / "random.yaml", yaml.safe_dump(nested(document)))
    status = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert (status, out, err) == (0, f"ok: {path}\n", "") or (status, out) == (2, "")
    assert status == 0 or 0 < len(err.splitlines()) <= 51
