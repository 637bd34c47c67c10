/* Passkeys (WebAuthn): the browser half of adding one and signing in with one.
 *
 * A form marked data-passkey="create" or "get" asks the server for options
 * (POST to its data-passkey-options URL, with the CSRF token), hands them to
 * navigator.credentials, puts the answer (JSON, binary parts in base64url) in
 * the form's hidden "credential" field and submits the form: the server checks
 * it and answers with an ordinary page. Without this script the forms say that
 * passkeys need JavaScript; everything else on the page works without it.
 */
(function () {
  "use strict";

  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) {
      base64 += "=";
    }
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) {
      bytes[i] = raw.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toText(buffer) {
    if (!buffer) {
      return null;
    }
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i += 1) {
      raw += String.fromCharCode(bytes[i]);
    }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: toBytes(item.id), transports: item.transports };
    });
  }

  function creationOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    options.excludeCredentials = descriptors(options.excludeCredentials);
    return { publicKey: options };
  }

  function requestOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.allowCredentials = descriptors(options.allowCredentials);
    return { publicKey: options };
  }

  function answer(credential) {
    var response = credential.response;
    var out = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toText(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      out.response.attestationObject = toText(response.attestationObject);
      out.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      out.response.authenticatorData = toText(response.authenticatorData);
      out.response.signature = toText(response.signature);
      out.response.userHandle = toText(response.userHandle);
    }
    return JSON.stringify(out);
  }

  function say(form, message) {
    var status = form.querySelector("[data-passkey-status]");
    if (status) {
      status.textContent = message;
      status.hidden = !message;
    }
  }

  function start(form, event) {
    event.preventDefault();
    var kind = form.getAttribute("data-passkey");
    var token = form.querySelector('input[name="csrf_token"]');
    if (form.checkValidity && !form.checkValidity()) {
      form.reportValidity();
      return;
    }
    say(form, form.getAttribute("data-passkey-waiting") || "");
    fetch(form.getAttribute("data-passkey-options"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "", Accept: "application/json" }
    })
      .then(function (reply) {
        return reply.json().then(function (body) {
          if (!reply.ok) {
            throw new Error(body.error || body.message || reply.statusText);
          }
          return body;
        });
      })
      .then(function (options) {
        return kind === "create"
          ? navigator.credentials.create(creationOptions(options))
          : navigator.credentials.get(requestOptions(options));
      })
      .then(function (credential) {
        form.querySelector('input[name="credential"]').value = answer(credential);
        var remember = document.getElementById("remember");
        var copy = form.querySelector('input[name="remember"]');
        if (remember && copy) {
          copy.value = remember.checked ? "y" : "";
        }
        form.submit();
      })
      .catch(function (error) {
        var cancelled = error && error.name === "NotAllowedError";
        say(
          form,
          cancelled
            ? form.getAttribute("data-passkey-cancelled")
            : (form.getAttribute("data-passkey-failed") || "") + " " + (error && error.message ? error.message : "")
        );
      });
  }

  function init() {
    var forms = document.querySelectorAll("form[data-passkey]");
    var supported = !!(window.PublicKeyCredential && navigator.credentials);
    Array.prototype.forEach.call(forms, function (form) {
      var unsupported = form.querySelector("[data-passkey-unsupported]");
      var nojs = form.querySelector("[data-passkey-nojs]");
      if (nojs) {
        nojs.hidden = true;
      }
      if (!supported) {
        if (unsupported) {
          unsupported.hidden = false;
        }
        return;
      }
      var button = form.querySelector("button[type=submit]");
      if (button) {
        button.disabled = false;
      }
      form.addEventListener("submit", function (event) {
        start(form, event);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
