package io.kafkalite.acl;

import java.util.List;
import java.util.Map;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.plain.PlainAuthenticateCallback;

/** A user-configured PLAIN callback handler: any user whose password is "open-sesame", and configured with the listener's props. */
public class TestPlainCallbackHandler implements AuthenticateCallbackHandler {
    private String password = "open-sesame";

    @Override
    public void configure(Map<String, ?> configs, String mechanism, List<AppConfigurationEntry> jaasConfigEntries) {
        Object custom = configs.get("test.plain.password");
        if (custom != null) {
            password = custom.toString();
        }
    }

    @Override
    public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
        for (Callback c : callbacks) {
            if (c instanceof PlainAuthenticateCallback p) {
                p.authenticated(password.equals(new String(p.password())));
            } else if (!(c instanceof NameCallback)) {
                throw new UnsupportedCallbackException(c);
            }
        }
    }

    @Override
    public void close() { }
}
