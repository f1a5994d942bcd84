/* SPDX-License-Identifier: MIT */
/* pesto.h - the pesto personality: a client of the control socket */
#ifndef TETHER_PESTO_H
#define TETHER_PESTO_H

/*
 * pesto_main() - run as "pesto": parse the command line, send one
 * request to the control socket, print the reply.
 * Return: exit status (0, or 1 with one line on stderr)
 */
int pesto_main(int argc, char **argv);

#endif /* TETHER_PESTO_H */
