package dev.msgbubbles.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The server's logback.xml as shipped (not the tests' logback-test.xml), at every level an operator may choose. */
class LogbackConfigTest {

    private static LoggerContext configured(String level) throws Exception {
        LoggerContext context = new LoggerContext();
        context.putProperty("msgbubbles.log.level", level);
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(LogbackConfigTest.class.getResource("/logback.xml"));
        return context;
    }

    /**
     * Apache HttpClient's wire and header loggers write every webhook delivery as sent: its body (message texts,
     * phone numbers) and its signature. At DEBUG they did; they stay silent at any level.
     */
    @ParameterizedTest
    @ValueSource(strings = {"TRACE", "DEBUG", "INFO"})
    void the_http_clients_wire_and_header_logs_stay_off_at_any_level(String level) throws Exception {
        LoggerContext context = configured(level);

        assertThat(context.getLogger("org.apache.hc.client5.http.wire").isErrorEnabled()).isFalse();
        assertThat(context.getLogger("org.apache.hc.client5.http.headers").isErrorEnabled()).isFalse();
        assertThat(context.getLogger("dev.msgbubbles.webhook.Courier").isInfoEnabled()).as("the level still counts")
                .isTrue();
        context.stop();
    }

    /**
     * Its request loggers name each delivery's URL path and query at DEBUG ({@code executing POST /hook?token=…}),
     * where a receiver may keep its own secret: they are held at INFO whatever the level.
     */
    @ParameterizedTest
    @ValueSource(strings = {"TRACE", "DEBUG"})
    void the_http_clients_request_lines_are_not_logged_at_debug(String level) throws Exception {
        LoggerContext context = configured(level);

        assertThat(context.getLogger("org.apache.hc.client5.http.impl.classic.MainClientExec").isDebugEnabled()).isFalse();
        assertThat(context.getLogger("org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager")
                .isDebugEnabled()).isFalse();
        assertThat(context.getLogger("org.apache.hc.client5.http.impl.classic.MainClientExec").isWarnEnabled()).isTrue();
        assertThat(context.getLogger("dev.msgbubbles.webhook.Courier").isDebugEnabled()).as("the level still counts")
                .isTrue();
        context.stop();
    }
}
