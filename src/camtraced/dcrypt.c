/* dcrypt.c: camtraced's key pairs (state directory, made on the first start), their place in the node's settings and the status "messages.encryption" section. */
#include "config.h"
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "crypto.h"
#include "daemon.h"
#include "err.h"
#include "fsutil.h"
#include "json.h"
#include "keys.h"
#include "log.h"
#include "node.h"

void dcrypt_open(struct daemon *d)
{
	char dir[PATH_MAX], err[200], why[200];
	int created = 0, r;

	d->keys = NULL;
	d->crypt_capa = 0;
	d->crypt_err[0] = 0;
	if (ct_crypt_lib_error()) { /* the message names the package to install */
		snprintf(d->crypt_err, sizeof d->crypt_err, "%s", ct_crypt_lib_error());
		log_err("encryption off: %s, then restart camtraced", ct_crypt_lib_error());
		return;
	}
	ct_fs_dirname(d->conf.state_file, dir, sizeof dir);
	if ((r = ct_keys_open(dir, &d->keys, &created, err, sizeof err)) != 0) {
		/* unencrypted rather than not at all: the entries do not say ENCRYPTOPT, so no peer
		 * sends us what we could not read; the line names the file and the fix */
		snprintf(d->crypt_err, sizeof d->crypt_err, "%s", err);
		log_err("encryption off: %s (fix: %s, then restart camtraced)", err,
			r == CT_EPERM ? "make the key file a regular file owned by camtraced's user, or remove it to have a new key made" :
			r == CT_EFORMAT ? "remove the damaged key file to have a new key made (peers fetch the new one)" :
			"make the state directory writable by camtraced (state_file in camtraced.conf)");
		d->keys = NULL;
		return;
	}
	why[0] = 0;
	d->crypt_capa = ct_crypt_capa(why, sizeof why);
	if (d->crypt_capa != CT_CRYPT_CAPA_ALL)
		log_notice("encryption: RSA-2048 + AES-256 only: %s", why);
	/* never the keys themselves: only where they are and whether they are new */
	log_info("encryption: key pairs in %s%s, capability %X", dir, created ? " (made now)" : "", d->crypt_capa);
}

void dcrypt_node_conf(const struct daemon *d, struct ct_node_conf *nc)
{
	nc->keys = d->keys;
	nc->crypt_capa = d->keys ? d->crypt_capa : 0;
}

void dcrypt_status(const struct daemon *d, struct ct_json *messages)
{
	struct ct_json *o = ct_json_add_obj(messages, "encryption");
	char fpr[17], capa[12];

	ct_json_add_bool(o, "available", d->keys != NULL);
	if (!d->keys) {
		ct_json_add_str(o, "reason", d->crypt_err);
		return;
	}
	snprintf(capa, sizeof capa, "%X", d->crypt_capa);
	ct_json_add_str(o, "capability", capa);
	ct_json_add_bool(o, "blowfish", (d->crypt_capa & CT_CRYPT_CAPA_ALL & ~CT_CRYPT_CAPA_NOBF) != 0);
	if (ct_crypt_keys_fpr(d->keys, fpr) == 0)
		ct_json_add_str(o, "fingerprint", fpr);
}

void dcrypt_close(struct daemon *d)
{
	ct_crypt_keys_free(d->keys);
	d->keys = NULL;
}
