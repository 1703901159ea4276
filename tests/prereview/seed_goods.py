"""Clean declarations of the goods the seeds name (seed 000: "industrial robots, and CNC control
systems", "servo drives, motion controllers, embedded modules"; seed 001: "CNC machined parts,
industrial automation equipment, and electronic components"), as a Chinese exporter would make
them, for the acceptance test of issue 19. Their rules come from a test rule set
(``rulesets/seed-goods``, rows marked not law). Descriptions of materials are partly in Chinese,
as Chinese exporters write them."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SEED_RULES = HERE / "rulesets" / "seed-goods"
SHA = "5e" * 32

Data = dict[str, Any]


def _line(
    index: int,
    description: str,
    code: str,
    amount: str,
    party: str,
    originating: bool,
    supplier: str,
) -> Data:
    line: Data = {
        "id": f"L{index:02d}",
        "part_number": f"PN-{code.replace('.', '')}-{index:02d}",
        "description": description,
        "hs_code": code,
        "value": {"amount": amount, "currency": "USD"},
        "origin_party": party,
        "originating": originating,
        "supplier": supplier,
    }
    if originating:
        line["supplier_declaration"] = {
            "reference": f"SD-2026-{index:03d}",
            "supplier": supplier,
            "issued": "2026-01-05",
            "valid_until": "2026-12-31",
            "covers_origin_party": party,
        }
    return line


def _declaration(
    reference: str,
    description: str,
    code: str,
    fob: str,
    steps: list[str],
    materials: list[tuple[str, str, str, str, bool, str]],
    *,
    software: bool = False,
) -> Data:
    data: Data = {
        "reference": reference,
        "product": {"description": description, "hs_code": code},
        "exporting_party": "CN",
        "importing_party": "TH",
        "date": "2026-06-01",
        "fob_value": {"amount": fob, "currency": "USD"},
        "production_steps": [
            *({"description": step, "party": "CN"} for step in steps),
            {"description": "packing in wooden crate", "party": "CN", "minimal_operation": True},
        ],
        "materials": [_line(i, *m) for i, m in enumerate(materials)],
        "evidence": {"production_log": {"reference": f"MES/{reference}", "sha256": SHA}},
    }
    if software:
        data["product"]["software_integration"] = True
        data["evidence"]["firmware_log"] = {
            "reference": f"FW/{reference}",
            "version": "3.2.0",
            "sha256": SHA,
        }
    return data


GOODS: dict[str, Data] = {
    "cnc-lathe": _declaration(
        "SZ-LATHE-01",
        "CNC lathe, horizontal, numerically controlled, for turning metal",
        "8458.11",
        "68000",
        [
            "casting and machining of the bed, headstock and carriage",
            "assembly of spindle, ball screws, turret and guideways",
            "installation and commissioning of the CNC controller and drives",
        ],
        [
            ("CNC controller with servo drives", "8537.10", "9800", "JP", True, "Nagoya Controls"),
            ("spindle motor, AC, 15 kW", "8501.53", "4200", "DE", False, "Spindeltechnik GmbH"),
            ("ball screws", "8483.40", "2600", "TW", False, "Taichung Motion Co."),
            ("滚珠丝杠导轨", "8483.40", "900", "TW", False, "Taichung Motion Co."),
            ("灰铸铁床身铸件", "7325.10", "7400", "CN", True, "Suzhou Foundry Co."),
        ],
    ),
    "industrial-robot": _declaration(
        "SZ-ROBOT-01",
        "Industrial robot, six-axis articulated arm, 20 kg payload",
        "8479.50",
        "42000",
        [
            "machining of the arm castings and assembly of the six axes",
            "assembly of reducers, servo motors and cabling",
            "installation of the robot controller software and calibration",
        ],
        [
            ("AC servo motor, 750 W", "8501.52", "5200", "JP", False, "Yaskawa Trading"),
            ("harmonic drive reducer", "8483.40", "6100", "JP", False, "HD Systems"),
            ("铝合金手臂铸件", "7616.99", "3900", "CN", True, "Ningbo Alu Casting"),
            ("robot controller circuit boards", "8538.90", "4800", "CN", True, "Shenzhen PCBA"),
        ],
        software=True,
    ),
    "plc-cabinet": _declaration(
        "SZ-PLC-01",
        "PLC control cabinet, 400 V, with programmable controller, contactors and wiring",
        "8537.10",
        "18500",
        [
            "cutting, bending and welding of the steel enclosure",
            "mounting and wiring of the PLC, contactors and terminal blocks",
            "programming of the PLC and functional test of the cabinet",
        ],
        [
            ("programmable logic controller (PLC)", "8537.10", "3600", "DE", False, "Siemens"),
            ("contactors, 400 V", "8536.49", "1200", "FR", False, "Schneider Electric"),
            ("冷轧钢板", "7209.17", "800", "CN", True, "Baosteel"),
            ("接线端子排", "8536.90", "600", "CN", True, "Wenzhou Terminals"),
        ],
        software=True,
    ),
    "servo-motor": _declaration(
        "SZ-SERVO-01",
        "AC servo motor, three-phase, 750 W, with encoder",
        "8501.52",
        "420",
        [
            "winding and impregnation of the stator",
            "machining of the shaft and assembly of rotor, bearings and encoder",
            "testing of torque and speed on the test bench",
        ],
        [
            ("enamelled copper winding wire", "8544.11", "45", "CN", True, "Jiangsu Copper"),
            ("permanent magnets of neodymium", "8505.11", "60", "MY", False, "Penang Magnetics"),
            ("深沟球轴承", "8482.10", "18", "JP", False, "NSK Trading"),
            ("optical rotary encoder", "9031.80", "70", "JP", False, "Tamagawa"),
        ],
    ),
    "pressure-transmitter": _declaration(
        "SZ-PT-01",
        "Pressure transmitter, 4-20 mA, for measuring process pressure",
        "9026.20",
        "380",
        [
            "assembly of the sensor capsule and welding of the process connection",
            "mounting of the electronics and calibration against reference pressures",
        ],
        [
            (
                "silicon piezoresistive pressure sensor die",
                "8541.90",
                "55",
                "DE",
                False,
                "Sensor AG",
            ),
            ("stainless steel housing", "7326.90", "40", "CN", True, "Wuxi Metal"),
            ("印刷电路板组件", "8538.90", "35", "CN", True, "Shenzhen PCBA"),
        ],
    ),
    "edge-computer": _declaration(
        "SZ-EDGE-01",
        "Industrial edge computer, fanless processing unit with storage and I/O",
        "8471.50",
        "900",
        [
            "surface mounting of the main board",
            "assembly of the board, storage and heat sink in the enclosure",
            "installation of the operating system and burn-in test",
        ],
        [
            ("processors, integrated circuits", "8542.31", "160", "US", False, "Intel"),
            ("solid state drive", "8523.51", "70", "KR", False, "Samsung"),
            ("aluminium enclosure and heat sink", "7616.99", "60", "CN", True, "Dongguan Alu"),
        ],
        software=True,
    ),
}


def good(name: str) -> Data:
    return copy.deepcopy(GOODS[name])
