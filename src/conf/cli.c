// SPDX-License-Identifier: MIT
/* cli.c - STUB, to be replaced: option parsing */
#include "conf/conf.h"
void conf_parse(struct conf *c, int argc, char **argv) { (void)c; (void)argc; (void)argv; die("not implemented"); }
void conf_print(const struct conf *c) { (void)c; }
