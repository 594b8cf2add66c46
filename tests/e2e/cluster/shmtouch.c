/* shmtouch PATH BYTES: map a file of BYTES in PATH (a tmpfs such as /dev/shm) and
 * write every page, as PyTorch, NCCL and PostgreSQL do with their shared segments.
 * When the tmpfs cannot back a page, the kernel sends SIGBUS (mm/shmem.c shmem_fault:
 * vmf_error(-ENOSPC) is VM_FAULT_SIGBUS): the process dies of it, exit status 135.
 * Built with gcc -static into the test image as /bin/shmtouch. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: shmtouch PATH BYTES\n");
        return 2;
    }
    long long size = atoll(argv[2]);
    int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, (off_t)size) != 0) {
        perror(argv[1]);
        return 1;
    }
    char *memory = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (memory == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    long page = sysconf(_SC_PAGESIZE);
    for (long long offset = 0; offset < size; offset += page) memory[offset] = 1;
    printf("shmtouch: wrote %lld bytes to %s\n", size, argv[1]);
    return 0;
}
