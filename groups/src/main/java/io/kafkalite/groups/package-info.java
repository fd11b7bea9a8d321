/** The group coordinator (to come; see README.md). */
package io.kafkalite.groups;
