"""A node's own figures on ``/metrics`` (beside the live figures every node serves): who
it is, its bus, its consoles, the calls it answered for other nodes and the singletons it
runs. Every node serves them on its own API, so a scraper lists each node as a target."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from cti.cluster.node import ClusterNode


class NodeCollector(Collector):
    """The node's figures, read at each scrape."""

    def __init__(self, node: ClusterNode) -> None:
        self._node = node

    def collect(self) -> Iterable[Metric]:
        """Every family of the node's figures, read now."""
        node, status = self._node, self._node.status()
        info = GaugeMetricFamily("ctidesk_node_info", "This node: 1, with its name, roles, "
                                 "Asterisk and version.",
                                 labels=["node", "roles", "asterisk", "version"])  # fmt: skip
        info.add_metric([status.node, ",".join(status.roles), status.asterisk or "",
                         status.version], 1)  # fmt: skip
        yield info
        yield GaugeMetricFamily("ctidesk_bus_online", "1 while the node reaches the bus.",
                                value=1 if node.bus.online else 0)  # fmt: skip
        yield CounterMetricFamily("ctidesk_bus_published", "Messages handed to the bus.",
                                  value=status.published)  # fmt: skip
        yield CounterMetricFamily("ctidesk_bus_dropped", "Messages dropped (queue full, bus away).",
                                  value=status.dropped)  # fmt: skip
        yield CounterMetricFamily("ctidesk_bus_slow_consumer_cuts",
                                  "Times the bus cut messages to this node (slow consumer).",
                                  value=node.bus.slow_consumer_cuts)  # fmt: skip
        yield GaugeMetricFamily("ctidesk_node_consoles", "Consoles open on this node.",
                                value=status.consoles)  # fmt: skip
        if node.relay is not None:
            yield CounterMetricFamily("ctidesk_gateway_delivered",
                                      "Bus messages handed to this gateway's consoles.",
                                      value=node.relay.delivered)  # fmt: skip
            yield CounterMetricFamily("ctidesk_gateway_gaps",
                                      "Live messages found missing by their numbers.",
                                      value=node.relay.numbers.gaps)  # fmt: skip
        if node.responder is not None:
            yield CounterMetricFamily("ctidesk_edge_control_answered",
                                      "Call-control requests answered for other nodes.",
                                      value=node.responder.answered)  # fmt: skip
        if node.singletons is not None:
            yield from _singleton_metrics(node)


def _singleton_metrics(node: ClusterNode) -> Iterable[Metric]:
    singletons = node.singletons
    assert singletons is not None
    held = GaugeMetricFamily("ctidesk_singleton_held", "1 for each job this worker runs now.",
                             labels=["job"])  # fmt: skip
    done = CounterMetricFamily("ctidesk_singleton_work", "Work the job did on this worker.",
                               labels=["job"])  # fmt: skip
    for job, count in sorted(singletons.done.items()):
        held.add_metric([job], 1 if job in singletons.held else 0)
        done.add_metric([job], count)
    refused = CounterMetricFamily("ctidesk_singleton_refused",
                                  "Rounds whose writes were refused for a stale epoch.",
                                  value=singletons.refused)  # fmt: skip
    return (held, done, refused)


__all__ = ["NodeCollector"]
