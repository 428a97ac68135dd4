package com.dtstack.chunjun.metrics.prometheus;

/**
 * TEST FIXTURE marker for metrics/prometheus/chunjun-metrics-prometheus.jar (the class name
 * Chunjun derives for the default metric plugin). Main reports whether it is loadable.
 */
public final class PrometheusReport {
    private PrometheusReport() {}
}
