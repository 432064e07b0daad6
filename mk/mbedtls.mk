# mbedTLS, the image's TLS and crypto library: Debian's source package, pinned and checked, the modules our
# configuration (kernel/crypto/mbedtls_config.h) enables compiled with the kernel's flags into one archive.
# Host programs (keelctl, unit tests, the test server) use Debian's libmbedtls-dev of the same version.
MBEDTLS_DEB_VERSION := 2.28.3-1
MBEDTLS_TARBALL := mbedtls_2.28.3.orig.tar.gz
MBEDTLS_SHA256 := 3b4953aa55a681e084d31892d9904cc5328d6b4958ea57b90ae4b4f94ae69a8d
MBEDTLS_SRC := $(BUILD)/third_party/mbedtls-2.28.3
MBEDTLS_STAMP := $(MBEDTLS_SRC)/.unpacked
MBEDTLS_INC := $(MBEDTLS_SRC)/include
MBEDTLS_CONFIG := kernel/crypto/mbedtls_config.h
MBEDTLS_LIB := $(BUILD)/mbedtls/libmbedtls.a
MBEDTLS_OBJDIR := $(BUILD)/mbedtls/obj

# Every library file compiles; those whose modules the configuration leaves out come out empty.
MBEDTLS_MODULES := aes asn1parse asn1write base64 bignum chacha20 chachapoly cipher cipher_wrap ctr_drbg \
	ecdh ecdsa ecp ecp_curves entropy gcm hmac_drbg md oid pk pk_wrap pkcs5 pkparse pkwrite platform_util poly1305 \
	rsa rsa_internal sha256 sha512 ssl_ciphersuites ssl_msg ssl_srv ssl_tls x509 x509_create x509_crt \
	x509write_crt constant_time
MBEDTLS_OBJS := $(MBEDTLS_MODULES:%=$(MBEDTLS_OBJDIR)/%.o)
MBEDTLS_CFLAGS := -DMBEDTLS_CONFIG_FILE='"$(MBEDTLS_CONFIG)"' -I$(MBEDTLS_INC)

$(eval $(call debian_source,mbedtls,$(MBEDTLS_DEB_VERSION),$(MBEDTLS_TARBALL),$(MBEDTLS_SHA256)))

$(MBEDTLS_STAMP): $(DEBSRC_DIR)/$(MBEDTLS_TARBALL)
	rm -rf $(MBEDTLS_SRC)
	mkdir -p $(MBEDTLS_SRC)
	@# The tarball's top directory is named after a git commit (Mbed-TLS-mbedtls-8f97ca5): strip it.
	tar -xzf $< -C $(MBEDTLS_SRC) --strip-components=1
	touch $@

# The kernel's flags (no SSE: -mgeneral-regs-only), without -Werror: third-party code is not ours to fix.
$(MBEDTLS_OBJDIR)/%.o: $(MBEDTLS_STAMP) $(MBEDTLS_CONFIG) mk/mbedtls.mk $(MUSL_LIB)
	@mkdir -p $(dir $@)
	gcc $(filter-out -Werror -MMD -MP -g,$(KCFLAGS)) -c $(MBEDTLS_SRC)/library/$*.c -o $@

$(MBEDTLS_LIB): $(MBEDTLS_OBJS)
	rm -f $@
	ar rcs $@ $^

mbedtls: $(MBEDTLS_LIB)
.PHONY: mbedtls
