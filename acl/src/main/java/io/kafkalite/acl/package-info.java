/** Authentication and authorization (to come; see README.md). */
package io.kafkalite.acl;
