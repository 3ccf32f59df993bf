/* queue.h — the one intrusive doubly-linked list every module uses (the
 * idea of libuv's queue.h): a struct queue is both a list's head and the
 * link an element embeds, and QUEUE_DATA gets the element back from its
 * link. The list is circular, so inserting and removing never test for its
 * ends; a removed link points at itself, so "is it in a list" is one test.
 * Not thread-safe: the owner of a list locks it if threads share it. */
#ifndef YCDL_QUEUE_H
#define YCDL_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

struct queue {
	struct queue *next;
	struct queue *prev;
};

/* The element of type that holds link in its member field. */
#define QUEUE_DATA(link, type, field) \
	((type *)(void *)((char *)(link) - offsetof(type, field)))

/* Every link of the list headed by head, in order; the loop body must not
 * remove the current link (use QUEUE_FOREACH_SAFE for that). */
#define QUEUE_FOREACH(link, head) \
	for ((link) = (head)->next; (link) != (head); (link) = (link)->next)

/* The same, keeping the next link in spare so the current one may go. */
#define QUEUE_FOREACH_SAFE(link, spare, head) \
	for ((link) = (head)->next, (spare) = (link)->next; (link) != (head); \
	     (link) = (spare), (spare) = (link)->next)

/* An empty list, or a link in no list. */
static inline void queue_init(struct queue *q)
{
	q->next = q;
	q->prev = q;
}

/* True for an empty list, or for a link in no list. */
static inline bool queue_empty(const struct queue *q)
{
	return q->next == q;
}

/* The first link of the list, or NULL when it is empty. */
static inline struct queue *queue_first(const struct queue *head)
{
	return head->next == head ? NULL : head->next;
}

/* The last link of the list, or NULL when it is empty. */
static inline struct queue *queue_last(const struct queue *head)
{
	return head->prev == head ? NULL : head->prev;
}

/* Puts q right before at (at the tail when at is the head). */
static inline void queue_insert_before(struct queue *at, struct queue *q)
{
	q->next = at;
	q->prev = at->prev;
	at->prev->next = q;
	at->prev = q;
}

/* Puts q right after at (at the front when at is the head). */
static inline void queue_insert_after(struct queue *at, struct queue *q)
{
	queue_insert_before(at->next, q);
}

static inline void queue_insert_tail(struct queue *head, struct queue *q)
{
	queue_insert_before(head, q);
}

static inline void queue_insert_head(struct queue *head, struct queue *q)
{
	queue_insert_after(head, q);
}

/* Takes q out of its list (a no-op for a link in none); q is then in none. */
static inline void queue_remove(struct queue *q)
{
	q->prev->next = q->next;
	q->next->prev = q->prev;
	queue_init(q);
}

/* Takes the first link out of the list and returns it, or NULL. */
static inline struct queue *queue_pop(struct queue *head)
{
	struct queue *q = queue_first(head);

	if (q)
		queue_remove(q);
	return q;
}

/* Moves every link of from to the end of to; from is empty afterwards. */
static inline void queue_append(struct queue *to, struct queue *from)
{
	if (queue_empty(from))
		return;
	from->next->prev = to->prev;
	to->prev->next = from->next;
	from->prev->next = to;
	to->prev = from->prev;
	queue_init(from);
}

#endif
