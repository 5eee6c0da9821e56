"""One place that starts Spark: bound to 127.0.0.1, UI off, executors running this Python."""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any


def spark_unavailable() -> str | None:
    """Why Spark cannot run here (no pyspark, no Java), or None when it can."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install -e '.[spark]')"
    java_home = os.environ.get("JAVA_HOME")
    if not (java_home and os.path.exists(os.path.join(java_home, "bin", "java"))) and not shutil.which("java"):
        return "no Java runtime found (Spark needs Java 17: JAVA_HOME or java on PATH)"
    return None


def session(
    master: str = "local[2]", app: str = "onrecord", partitions: int | None = None, conf: dict[str, str] | None = None
) -> Any:
    """A SparkSession for ``master`` (``local[N]``, ``yarn``, ``k8s://…``, ``spark://…``); ``conf``: more
    Spark settings (``spark.archives``, ``spark.executor.instances``, …)."""
    reason = spark_unavailable()
    if reason:
        raise RuntimeError(reason)
    from pyspark.sql import SparkSession

    # Executors run this interpreter (its virtual environment), so they import the same onrecord
    # and spaCy model; a PATH lookup of "python3" would find another one.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(master)
        .appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.pyspark.python", os.environ["PYSPARK_PYTHON"])
        .config("spark.python.worker.reuse", "true")  # a worker keeps its loaded spaCy model between tasks
    )
    if master.startswith("local"):
        # Nothing outside this machine may reach the driver.
        builder = builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
    if partitions:
        builder = builder.config("spark.sql.shuffle.partitions", str(partitions)).config(
            "spark.default.parallelism", str(partitions)
        )
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
