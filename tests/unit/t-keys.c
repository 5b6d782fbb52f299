/* t-keys.c: unit tests for keys.c: key pairs made on first start (0600), loaded after, refused when unsafe, never logged; the public-key cache. */
#include "config.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tap.h"
#include "crypto-fixtures.h"
#include "crypto.h"
#include "err.h"
#include "keys.h"
#include "log.h"
#include "sbuf.h"

static struct ct_sbuf logged;

static void sink(enum ct_log_level lvl, const char *func, const char *msg, void *ud)
{
	(void)lvl;
	(void)func;
	(void)ud;
	ct_sbuf_printf(&logged, "%s\n", msg);
}

static mode_t mode_of(const char *dir, const char *f)
{
	char p[600];
	struct stat st;

	snprintf(p, sizeof p, "%s/%s", dir, f);
	return lstat(p, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static void test_store(const char *dir)
{
	struct ct_crypt_keys *k = NULL, *k2 = NULL;
	char err[600] = "", f1[17] = "", f2[17] = "", p[600], q[600];
	int created = -1;
	FILE *fp;

	is_int(ct_keys_open(dir, &k, &created, err, sizeof err), 0, "first start: key pairs made (%s)", err);
	is_int(created, 2, "two key files created");
	is_int(mode_of(dir, CT_KEYS_FILE_2048), 0600, "RSA-2048 file is 0600");
	is_int(mode_of(dir, CT_KEYS_FILE_1024), 0600, "RSA-1024 file is 0600");
	is_int(ct_keys_open(dir, &k2, &created, err, sizeof err), 0, "second start: loaded");
	is_int(created, 0, "nothing created");
	ok(k && k2 && ct_crypt_keys_fpr(k, f1) == 0 && ct_crypt_keys_fpr(k2, f2) == 0 && strcmp(f1, f2) == 0,
		"the same key pair after a restart (fingerprint %s)", f1);
	ct_crypt_keys_free(k2);
	k2 = NULL;
	ok(strstr(logged.p ? logged.p : "", "PRIVATE KEY") == NULL && strstr(logged.p ? logged.p : "", "MII") == NULL,
		"no key material in the log");
	ok(strstr(logged.p ? logged.p : "", "created RSA-2048 key pair") != NULL, "the creation is logged (names only)");

	/* a key file readable by others is tightened, not refused */
	snprintf(p, sizeof p, "%s/%s", dir, CT_KEYS_FILE_1024);
	chmod(p, 0644);
	is_int(ct_keys_open(dir, &k2, NULL, err, sizeof err), 0, "a 0644 key file still loads");
	is_int(mode_of(dir, CT_KEYS_FILE_1024), 0600, "and is made 0600");
	ok(strstr(logged.p, "tightened to 0600") != NULL, "which is logged");
	ct_crypt_keys_free(k2);
	k2 = NULL;

	/* the 1024 file deleted: only it is made again, the 2048 pair (and the name's fingerprint) stays */
	unlink(p);
	is_int(ct_keys_open(dir, &k2, &created, err, sizeof err), 0, "a missing RSA-1024 file is made again");
	is_int(created, 1, "one file created");
	ok(k2 && ct_crypt_keys_fpr(k2, f2) == 0 && strcmp(f1, f2) == 0, "the RSA-2048 pair is kept");
	ct_crypt_keys_free(k2);
	k2 = NULL;

	/* a symbolic link in place of a key file is refused */
	snprintf(q, sizeof q, "%s/elsewhere.pem", dir);
	rename(p, q);
	if (symlink(q, p) == 0) {
		is_int(ct_keys_open(dir, &k2, NULL, err, sizeof err), CT_EPERM, "a key file that is a symbolic link is refused");
		ok(strstr(err, "symbolic link") != NULL, "the error says so: %s", err);
		unlink(p);
	}
	rename(q, p);

	/* unreadable PEM: a clear error, the file left as it is */
	snprintf(p, sizeof p, "%s/%s", dir, CT_KEYS_FILE_2048);
	if ((fp = fopen(p, "w"))) {
		fputs("garbage\n", fp);
		fclose(fp);
	}
	is_int(ct_keys_open(dir, &k2, NULL, err, sizeof err), CT_EFORMAT, "a broken key file is an error");
	ok(strstr(err, CT_KEYS_FILE_2048) != NULL && strstr(err, "move them aside") != NULL, "naming the file and what to do: %s", err);
	{
		char got[32] = "";
		if ((fp = fopen(p, "r"))) {
			if (!fgets(got, sizeof got, fp))
				got[0] = 0;
			fclose(fp);
		}
		is_str(got, "garbage\n", "the file is left as it was (not replaced by a new key)");
	}
	ct_crypt_keys_free(k);
}

static struct ct_crypt_pub *a_pub(void)
{
	struct ct_crypt_keys *k = NULL;
	struct ct_crypt_pub *p = NULL;
	struct ct_sbuf b;
	char err[300];

	ct_sbuf_init(&b);
	if (ct_crypt_keys_from_pem(&k, FX_PEM_A2048, strlen(FX_PEM_A2048), FX_PEM_A1024, strlen(FX_PEM_A1024), err, sizeof err) == 0 &&
		ct_crypt_anspubkey(k, CT_CRYPT_CAPA_ALL, CT_CRYPT_CAPA_ALL, &b) == 0)
		ct_crypt_pub_parse(b.p, b.len, NULL, 0, &p, NULL, err, sizeof err);
	ct_sbuf_fini(&b);
	ct_crypt_keys_free(k);
	return p;
}

static void test_cache(void)
{
	struct ct_keycache kc;
	static const char de[] = "==== AutoReply(DecryptErr) ==== My PubKey is updated, I can't receive your message. "
		"Please press refresh button.";

	ct_keycache_init(&kc, 2);
	is_int(ct_keycache_put(&kc, "198.18.1.11", "alice@pc1", a_pub()), 0, "stored alice's key");
	ok(ct_keycache_get(&kc, "198.18.1.11", "alice@pc1") != NULL, "found");
	ok(ct_keycache_get(&kc, "198.18.1.11", NULL) != NULL, "found without an identity to check");
	ok(ct_keycache_get(&kc, "198.18.1.12", NULL) == NULL, "another address's is not");
	is_int(ct_keycache_put(&kc, "198.18.1.11", "alice@pc1", a_pub()), 0, "replaced");
	is_int(kc.n, 1, "one entry");
	ct_keycache_put(&kc, "198.18.1.12", "bob@pc2", a_pub());
	ct_keycache_put(&kc, "198.18.2.11", "carol@pc3", a_pub());
	is_int(kc.n, 2, "bounded: two entries");
	ok(ct_keycache_get(&kc, "198.18.1.11", NULL) == NULL, "the oldest (alice) evicted");
	is_int(ct_keycache_on_text(&kc, "198.18.1.12", "hello", 5), 0, "an ordinary text keeps the key");
	ok(ct_keycache_get(&kc, "198.18.1.12", "bob@pc2") != NULL, "bob's key still there");
	is_int(ct_keycache_on_text(&kc, "198.18.1.12", de, sizeof de), 1, "AutoReply(DecryptErr) recognised");
	ok(ct_keycache_get(&kc, "198.18.1.12", NULL) == NULL, "and bob's key dropped (fetch it again)");
	ok(strstr(logged.p, "198.18.1.12 answered AutoReply(DecryptErr)") != NULL, "logged");
	/* DHCP: another machine at carol's address; its key is not carol's */
	ok(ct_keycache_get(&kc, "198.18.2.11", "dave@pc4") == NULL, "another user@host at the address: no key");
	ok(ct_keycache_get(&kc, "198.18.2.11", "carol@pc3") == NULL, "and carol's entry is gone (not kept for later)");
	is_int(kc.n, 0, "no entry left");
	ok(strstr(logged.p, "the host at 198.18.2.11 is now dave@pc4, was carol@pc3: the cached public key is dropped") != NULL,
		"the change is logged");
	ct_keycache_put(&kc, "198.18.2.11", "", a_pub());
	ok(ct_keycache_get(&kc, "198.18.2.11", "dave@pc4") != NULL, "an entry stored without identity matches any");
	is_int(ct_keycache_drop(&kc, "nobody"), 0, "dropping an unknown key");
	is_int(ct_keycache_put(&kc, "x", NULL, NULL), CT_EINVAL, "no key: refused");
	ct_keycache_fini(&kc);
}

int main(void)
{
	char dir[] = "/tmp/t-keys.XXXXXX";
	char cmd[100];

	ct_sbuf_init(&logged);
	ct_log_set_sink(sink, NULL);
	ct_log_set_level(CT_LOG_DEBUG);
	if (!mkdtemp(dir)) {
		printf("1..0 # SKIP no temp dir\n");
		return 0;
	}
	test_store(dir);
	test_cache();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	ct_sbuf_fini(&logged);
	return tap_done();
}
