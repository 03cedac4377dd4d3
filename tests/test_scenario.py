"""Loading scenarios and the config package under it: extends, overrides, presets, events,
apply_changes and error messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field

from sim import config
from sim.config import ScenarioError
from sim.scenario import apply_changes, load_scenario, scenario_to_dict
from sim.schema import IP_PRESETS, TRUST_PRESETS, Governance, Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
BAD = sorted((ROOT / "tests" / "bad_scenarios").glob("*.yaml"))


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path | str, overrides: tuple[str, ...] = ()) -> list[str]:
    with pytest.raises(ScenarioError) as err:
        load_scenario(path, overrides)
    return err.value.messages


def validate(*files: Path) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "run.py", "validate", *map(str, files)]
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)


# --- the shipped scenarios --------------------------------------------------------------


def test_baseline_magnitudes():
    s = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    counts = [getattr(s.population, k).count for k in ("startup", "corporate", "university")]
    assert s.name == "baseline" and s.steps == 120 and s.fields == 16
    assert counts == [600, 150, 30]
    assert (s.population.investor.count, s.population.regulator.count) == (40, 1)
    assert s.ip.regime == "weak" and s.trust.preset == "medium"


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("strong_ip", lambda s: s.ip.ip_strength == IP_PRESETS["strong"]["ip_strength"]),
        ("open_innovation", lambda s: s.ip.ip_strength == 0 and s.governance.open_science == 0.95),
        ("vc_boom", lambda s: s.population.investor.count == 80),
        ("regulatory_sandbox", lambda s: s.governance.sandbox),
        ("low_trust", lambda s: s.trust.initial == TRUST_PRESETS["low"]["initial"]),
        ("subsidy_shock", lambda s: s.events[0].set == {"governance.rd_subsidy_rate": 0.3}),
        ("small", lambda s: s.steps == 36 and s.population.startup.count == 60),
    ],
)
def test_what_ifs_extend_baseline(name, check):
    s = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    assert s.name == name and s.description
    assert s.population.corporate.revenue == (1.0, 50.0)  # inherited from baseline
    assert check(s)


def test_validate_accepts_every_shipped_scenario():
    done = validate(*SCENARIOS)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"ok: {p}" for p in SCENARIOS]


# --- extends ----------------------------------------------------------------------------


def test_extends_merges_mappings_and_replaces_lists(tmp_path):
    write(
        tmp_path, "base.yaml", "name: base\ngovernance: {tax_rate: 0.3, regulated_fields: [0, 1]}\n"
    )
    (tmp_path / "sub").mkdir()
    child = write(
        tmp_path / "sub",
        "child.yaml",
        "extends: ../base.yaml\nname: child\ngovernance: {regulated_fields: [5]}\n",
    )
    s = load_scenario(child)
    assert s.name == "child"
    assert s.governance.tax_rate == 0.3
    assert s.governance.regulated_fields == [5]


def test_extends_is_recursive(tmp_path):
    write(tmp_path, "a.yaml", "name: a\nsteps: 10\nfields: 8\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\nsteps: 20\n")
    s = load_scenario(write(tmp_path, "c.yaml", "extends: b.yaml\nname: c\n"))
    assert (s.name, s.steps, s.fields) == ("c", 20, 8)


def test_extends_cycle_is_an_error(tmp_path):
    write(tmp_path, "a.yaml", "extends: b.yaml\n")
    write(tmp_path, "b.yaml", "extends: c.yaml\n")
    write(tmp_path, "c.yaml", "extends: a.yaml\n")
    [line] = problems(tmp_path / "a.yaml")
    assert "extends cycle" in line and line.startswith(str(tmp_path / "a.yaml"))


def test_extends_missing_file_is_an_error(tmp_path):
    [line] = problems(write(tmp_path, "a.yaml", "extends: nowhere.yaml\n"))
    assert line.endswith("extends: " + str(tmp_path / "nowhere.yaml") + " does not exist")


# --- overrides --------------------------------------------------------------------------


def test_overrides_parse_values_as_yaml(tmp_path):
    s = load_scenario(
        ROOT / "scenarios" / "small.yaml",
        [
            "population.startup.count=7",
            "governance.sandbox=true",
            "governance.regulated_fields=[3, 4]",
            "knowledge.radical_prob.startup=0.5",
            "name=renamed",
        ],
    )
    assert s.population.startup.count == 7
    assert s.governance.sandbox is True
    assert s.governance.regulated_fields == [3, 4]
    assert s.knowledge.radical_prob["startup"] == 0.5
    assert s.population.corporate.count == 15  # untouched, from small.yaml
    assert s.name == "renamed"


def test_overrides_apply_after_extends_and_can_repair(tmp_path):
    path = write(tmp_path, "bad.yaml", "population: {startup: {count: -5}}\n")
    assert load_scenario(path, ["population.startup.count=5"]).population.startup.count == 5


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("population.startup.cont=5", "--set population.startup.cont: unknown key 'cont'"),
        ("nonsense=1", "--set nonsense: unknown key 'nonsense'"),
        ("steps.x=1", "--set steps.x: steps is a single value"),
        ("no_equals_sign", "expected dotted.path=value"),
        ("steps=[1", "YAML syntax error"),
        ("population.startup.count=-1", "population.startup.count: got -1; must be >= 0"),
    ],
)
def test_bad_overrides(override, expected):
    [line] = problems(ROOT / "scenarios" / "small.yaml", (override,))
    assert line.startswith(f"{ROOT / 'scenarios' / 'small.yaml'}: ")
    assert expected in line


# --- presets ----------------------------------------------------------------------------


def test_presets_fill_and_explicit_values_win(tmp_path):
    s = load_scenario(write(tmp_path, "a.yaml", "trust: {preset: low}\nip: {regime: strong}\n"))
    assert s.trust.initial == TRUST_PRESETS["low"]["initial"]
    assert s.ip.ip_strength == IP_PRESETS["strong"]["ip_strength"]
    s = load_scenario(write(tmp_path, "b.yaml", "trust: {preset: low, initial: 0.9}\n"))
    assert s.trust.initial == 0.9
    assert s.trust.opportunism == TRUST_PRESETS["low"]["opportunism"]


def test_preset_override_on_a_child(tmp_path):
    s = load_scenario(ROOT / "scenarios" / "baseline.yaml", ["ip.regime=open"])
    assert s.ip.ip_strength == 0.0 and s.ip.patent_propensity == 0.0


# --- events -----------------------------------------------------------------------------


def test_events_are_checked_in_order_and_named_by_index(tmp_path):
    path = write(
        tmp_path,
        "events.yaml",
        "events:\n"
        "  - {at: 50, set: {governance.sandbox: true}}\n"
        "  - {at: 10, set: {governance.rd_subsidy_rate: 1.5}}\n"
        "  - {at: 20, set: {governance: {tax: 0.1}}}\n",
    )
    assert problems(path) == [
        f"{path}: events[1].set.governance.rd_subsidy_rate: got 1.5; must be <= 1",
        f"{path}: events[2].set.governance.tax: unknown key 'tax' (did you mean 'tax_rate'?); "
        f"allowed: {', '.join(Governance.model_fields)}",
    ]


def test_events_apply_cumulatively(tmp_path):
    # the second event is valid only after the first has made partnering with investors mutual
    path = write(
        tmp_path,
        "events.yaml",
        "events:\n"
        "  - at: 20\n"
        "    set: {partnering.matrix.investor: [investor]}\n"
        "  - at: 10\n"
        "    set: {partnering.matrix.startup: [startup], partnering.matrix.corporate: [corporate],"
        " partnering.matrix.university: [university]}\n",
    )
    assert load_scenario(path).events[0].at == 20


def test_events_cannot_change_fixed_parameters(tmp_path):
    path = write(tmp_path, "e.yaml", "events: [{at: 5, set: {steps: 10}}]\n")
    assert problems(path) == [f"{path}: events[0].set.steps: cannot change during a run"]


# --- apply_changes ----------------------------------------------------------------------


def test_apply_changes_returns_a_new_validated_scenario():
    base = Scenario()
    changed = apply_changes(base, {"governance.rd_subsidy_rate": 0.3, "entry": {"rate": 2}})
    assert changed.governance.rd_subsidy_rate == 0.3 and changed.entry.rate == 2
    assert changed.entry.copy_share == base.entry.copy_share  # a mapping merges
    assert base.governance.rd_subsidy_rate == 0.15
    assert apply_changes(base, {}) == base


def test_apply_changes_resets_preset_values_unless_set():
    base = Scenario()
    strong = apply_changes(base, {"ip.regime": "strong"})
    assert strong.ip.ip_strength == IP_PRESETS["strong"]["ip_strength"]
    mixed = apply_changes(base, {"ip.regime": "strong", "ip.ip_strength": 0.5})
    assert mixed.ip.ip_strength == 0.5
    assert mixed.ip.patent_propensity == IP_PRESETS["strong"]["patent_propensity"]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"governance.rd_subsidy_rate": 2}, "governance.rd_subsidy_rate: got 2; must be <= 1"),
        ({"governance.nope": 1}, "governance.nope: unknown key 'nope'; allowed: "),
        ({"market.demand": "x"}, "market.demand: got 'x'; must be a number or a list"),
    ],
)
def test_apply_changes_errors(changes, expected):
    with pytest.raises(ScenarioError) as err:
        apply_changes(Scenario(), changes)
    [line] = err.value.messages
    assert line.startswith(expected)


def test_scenario_to_dict_round_trips():
    s = load_scenario(ROOT / "scenarios" / "subsidy_shock.yaml")
    assert Scenario.model_validate(scenario_to_dict(s)) == s


# --- error messages ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "population:\n  startup:\n    count: -5\n",
            "population.startup.count: got -5; must be >= 0",
        ),
        (
            "population: {startup: {foo: 1}}\n",
            "population.startup: unknown key 'foo'; allowed: count, seed_capital, burn,",
        ),
        ("name: x\nsteps: [1\n", "line 3: YAML syntax error"),
        ("name: !!python/object:os.system {}\n", "line 1: tag !!python/object:os.system"),
        ("", "empty file"),
        ("- 1\n- 2\n", "top level must be a mapping of sections, got a list"),
        ("a: 1\na: 2\n", "line 2: key 'a' appears more than once"),
    ],
)
def test_one_line_messages(tmp_path, text, expected):
    path = write(tmp_path, "s.yaml", text)
    [line] = problems(path)
    assert line.startswith(f"{path}: {expected}")


def test_missing_file_and_directory(tmp_path):
    assert problems(tmp_path / "none.yaml") == [f"{tmp_path / 'none.yaml'}: no such file"]
    assert problems(tmp_path) == [f"{tmp_path}: is a directory, not a scenario file"]


def test_several_problems_give_several_lines(tmp_path):
    path = write(tmp_path, "s.yaml", "steps: -1\nfields: x\nbogus: 1\n")
    assert len(problems(path)) == 3


def test_there_are_enough_bad_scenarios():
    assert len(BAD) >= 20


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.name)
def test_validate_rejects_bad_scenario(path):
    rel = path.relative_to(ROOT)
    done = validate(rel)
    output = done.stdout + done.stderr
    lines = [line for line in output.splitlines() if line.strip()]
    assert done.returncode == 2, output
    assert len(lines) == 1, output
    assert lines[0].startswith(f"{rel}: "), output
    assert "Traceback" not in output


# --- the config package knows no scenario -----------------------------------------------


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")
    size: int = Field(1, ge=0)
    label: str = "x"


class _Root(BaseModel):
    model_config = ConfigDict(extra="forbid")
    part: _Part = _Part()
    weights: dict[str, float] = {}


def test_config_paths_and_problems_work_on_any_root_model():
    data: dict = {}
    assert config.apply_overrides(data, ["part.size=3", "weights.a.b=0.5"], _Root) == []
    assert data == {"part": {"size": 3}, "weights": {"a.b": 0.5}}
    assert config.path_problem("part.sise", _Root).startswith("unknown key 'sise' (did you mean")
    assert config.field_type("part.size", _Root) is int
    model, problems = config.validate_data({"part": {"size": -1, "colour": 1}}, _Root)
    assert model is None
    assert config.lines("f.yaml", problems) == [
        "f.yaml: part.size: got -1; must be >= 0",
        "f.yaml: part: unknown key 'colour'; allowed: size, label",
    ]


def test_config_presets_are_passed_in():
    presets = {"part.label": {"big": {"size": 9}}}
    root = _Root(part=_Part(size=9, label="big"))
    changed, problems = config.with_changes(root, {"part.label": "big"}, presets)
    assert problems == [] and changed.part.size == 1  # dropped: the schema fills it afresh
    changed, _ = config.with_changes(root, {"part.label": "big", "part.size": 2}, presets)
    assert changed.part.size == 2


def test_config_imports_no_other_part_of_sim():
    for module in (ROOT / "sim" / "config").glob("*.py"):
        text = module.read_text(encoding="utf-8")
        assert "from .." not in text and "import sim" not in text, module.name
